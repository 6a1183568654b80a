from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import Notification


class NotificationMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)


class NotificationSerializer(serializers.ModelSerializer):
    meeting = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ("id", "kind", "message", "meeting", "created_at", "read_at")
        read_only_fields = fields

    @extend_schema_field(NotificationMeetingSerializer(allow_null=True))
    def get_meeting(self, notification) -> dict | None:
        """The meeting, while the reader can still see it (see notification_list)."""
        if notification.meeting_id is None or not getattr(notification, "meeting_visible", False):
            return None
        return {"id": notification.meeting.id, "title": notification.meeting.title}


class ReadAllResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
