from rest_framework import serializers

from notifications.models import Notification


class NotificationMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)


class NotificationSerializer(serializers.ModelSerializer):
    meeting = NotificationMeetingSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ("id", "kind", "message", "meeting", "created_at", "read_at")
        read_only_fields = fields


class ReadAllResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
