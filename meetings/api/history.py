"""GET /api/meetings/{id}/history/: a meeting's audit trail, for its organizer."""

from datetime import datetime

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated

from meetings.changes.history import history_access, history_entries, meeting_history
from meetings.changes.models import Change, Subject
from scheduler.api.fields import RFC3339DateTimeField, rfc3339
from scheduler.api.views import UserTimezoneMixin

NOT_THE_ORGANIZER = "Only the organizer can read this meeting's history."
# The component scheduler.api.schema adds for every error: {"detail": "..."}.
ERROR = {"$ref": "#/components/schemas/Error"}


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True, help_text="The person's id; null for a task or the system."
    )
    name = serializers.CharField(
        help_text="The person's username then, the task's name, or empty for the system."
    )


class HistoryParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The person invited.")
    username = serializers.CharField(
        source="name", allow_null=True, help_text="Null once their account is deleted."
    )


@extend_schema_field(
    {
        "type": "object",
        "description": "The fields the change made different, by column name: "
        "`{field: {before, after}}`. All fields of a row created (before null) or deleted "
        "(after null). Times are RFC 3339 in the caller's time zone, ids integers.",
        "additionalProperties": {
            "type": "object",
            "properties": {"before": {"nullable": True}, "after": {"nullable": True}},
            "required": ["before", "after"],
        },
    }
)
class ChangesField(serializers.Field):
    def to_representation(self, value):
        return {
            name: {side: _shown(field[side]) for side in ("before", "after")}
            for name, field in value.items()
        }


def _shown(value):
    return rfc3339(value) if isinstance(value, datetime) else value


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = RFC3339DateTimeField()
    actor = ActorSerializer()
    source = serializers.ChoiceField(choices=["api", "admin", "task", "system"])
    subject = serializers.ChoiceField(choices=Subject.choices)
    action = serializers.ChoiceField(choices=Change.choices)
    participant = HistoryParticipantSerializer(allow_null=True)
    changes = ChangesField()


class MeetingHistoryView(UserTimezoneMixin, GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = HistoryEntrySerializer
    keyset_ordering = ("-id",)

    def get_queryset(self):
        return meeting_history(meeting_id=int(self.kwargs["pk"]))

    @extend_schema(
        operation_id="meetings_history",
        responses={
            200: HistoryEntrySerializer(many=True),
            403: OpenApiResponse(
                ERROR, "The caller is invited to the meeting but does not organize it."
            ),
            404: OpenApiResponse(
                ERROR,
                "No such meeting among those the caller organizes or is invited to; a deleted "
                "meeting's history too (staff read it in the admin).",
            ),
        },
        description="Every change to the meeting and its invitations (answers included), newest "
        "first: who made it (a person, or a task by name), from where (api, admin, task, system), "
        "when, and what it changed. Keyset pages, as the meeting list.",
    )
    def get(self, request, pk):
        access = history_access(user=request.user, meeting_id=int(pk))
        if access is None:
            raise Http404
        if access != "organizer":
            raise PermissionDenied(NOT_THE_ORGANIZER)
        page = self.paginate_queryset(self.get_queryset())
        entries = history_entries(page)
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)
