from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from meetings import selectors
from scheduler.api.fields import StrictCharField
from scheduler.api.views import UserTimezoneMixin

from .serializers import RoomSerializer


class RoomListParamsSerializer(serializers.Serializer):
    min_capacity = serializers.IntegerField(
        required=False, min_value=1, max_value=100_000, help_text="Rooms seating at least this."
    )
    search = StrictCharField(required=False, max_length=100, help_text="Part of the name.")


@extend_schema_view(list=extend_schema(parameters=[RoomListParamsSerializer]))
class RoomViewSet(UserTimezoneMixin, viewsets.ReadOnlyModelViewSet):
    """Rooms a meeting can book (staff manage them in the admin)."""

    serializer_class = RoomSerializer
    keyset_ordering = ("name", "id")
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        if self.action != "list":
            return selectors.room_list()
        params = RoomListParamsSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        return selectors.room_list(**params.validated_data)
