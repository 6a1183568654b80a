from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from notifications import selectors, services
from scheduler.api.views import UserTimezoneMixin

from .serializers import NotificationSerializer, ReadAllResultSerializer

UNREAD = OpenApiParameter("unread", bool, description="Only unread notifications.")


@extend_schema_view(list=extend_schema(parameters=[UNREAD]))
class NotificationViewSet(UserTimezoneMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first."""

    serializer_class = NotificationSerializer
    keyset_ordering = ("-created_at", "-id")
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user, unread_only=self._unread())

    def _unread(self) -> bool:
        raw = self.request.query_params.get("unread", "false").lower()
        if raw not in {"true", "false", "1", "0"}:
            raise ValidationError({"unread": ["Use true or false."]})
        return raw in {"true", "1"}

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=ReadAllResultSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"updated": services.notification_mark_all_read(user=request.user)})
