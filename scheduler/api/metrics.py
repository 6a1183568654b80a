from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler import caching


class CacheFamilySerializer(serializers.Serializer):
    hits = serializers.IntegerField()
    misses = serializers.IntegerField()
    hit_rate = serializers.FloatField(allow_null=True)


class CacheMetricsSerializer(serializers.Serializer):
    families = serializers.DictField(child=CacheFamilySerializer())


class CacheMetricsView(APIView):
    """Cache hits and misses per key family, summed over every server process (staff only)."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses=CacheMetricsSerializer)
    def get(self, request):
        return Response({"families": caching.hit_rates()})
