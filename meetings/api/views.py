from django.http import Http404, HttpResponse
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from meetings import selectors
from meetings.dry_runs import rehearse
from meetings.models import Meeting
from meetings.services.bulk import meeting_bulk_create, meeting_bulk_set_status
from meetings.services.lifecycle import (
    meeting_cancel,
    meeting_create,
    meeting_delete,
    meeting_update,
)
from meetings.services.participants import meeting_rsvp, participant_add, participant_remove
from scheduler.api.views import UserTimezoneMixin

from . import reads
from . import serializers as s
from .dry_run import dry_run_body
from .permissions import IsOrganizerOrReadOnly

ID = r"[0-9]{1,18}"


def _json(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


WRITE_RESPONSES = {409: OpenApiResponse(s.RoomConflictSerializer, "The room is booked then.")}
INVITING = {
    429: OpenApiResponse(
        s.InvitationLimitSerializer,
        "Too many requests (see Retry-After), or too many invitations this hour: nothing saved.",
    )
}
DRY_RUN = OpenApiResponse(s.DryRunSerializer, "With ?dry_run=true: what would happen.")
WRITTEN_OR_DRY_RUN = PolymorphicProxySerializer(
    component_name="MeetingWrittenOrDryRun",
    serializers=[s.MeetingWrittenSerializer, s.DryRunSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(parameters=[s.MeetingListParamsSerializer]),
    create=extend_schema(
        request=s.MeetingWriteSerializer,
        parameters=[s.DryRunParamsSerializer],
        responses={201: s.MeetingWrittenSerializer, 200: DRY_RUN, **WRITE_RESPONSES, **INVITING},
    ),
    partial_update=extend_schema(
        request=s.MeetingUpdateSerializer,
        parameters=[s.DryRunParamsSerializer],
        responses={200: WRITTEN_OR_DRY_RUN, **WRITE_RESPONSES, **INVITING},
        description="Answers a MeetingWritten, or with ?dry_run=true a DryRun (nothing saved).",
    ),
    destroy=extend_schema(responses={204: None}),
)
class MeetingViewSet(UserTimezoneMixin, viewsets.GenericViewSet):
    """Meetings the caller organizes or is invited to; nobody else's exist here (404)."""

    serializer_class = s.MeetingSerializer
    permission_classes = [IsAuthenticated, IsOrganizerOrReadOnly]
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        # What `participants` opens by id; the list, a meeting and statistics are cached
        # reads (reads.py).
        return selectors.meeting_detail_queryset(user=self.request.user)

    def get_object(self):
        if self.action == "participants":
            return super().get_object()
        # Writes need the row and its organizer, not the participants: a cheaper read.
        meeting = Meeting.objects.visible_to(self.request.user).filter(pk=self.kwargs["pk"])
        meeting = meeting.select_related("room").first()  # events name the room
        if meeting is None:
            raise Http404
        self.check_object_permissions(self.request, meeting)
        return meeting

    def _dry_run_requested(self) -> bool:
        params = s.DryRunParamsSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        return params.validated_data["dry_run"]

    def _rehearsed(self, write, *, new: bool) -> Response:
        def inspect(meeting):
            data = reads.meeting_written_data(user=self.request.user, meeting_id=meeting.pk)
            people = {data["organizer"]["id"], *(p["user"]["id"] for p in data["participants"])}
            return data, people

        rehearsal = rehearse(write, inspect)
        return Response(dry_run_body(rehearsal, new=new, by=self.request.user))

    def list(self, request):
        return _json(reads.meeting_list_page(request, paginator=self.paginator))

    def retrieve(self, request, pk=None):
        return _json(reads.meeting_detail(request, meeting_id=int(pk)))

    def create(self, request):
        dry_run = self._dry_run_requested()
        data = s.MeetingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def write():
            return meeting_create(organizer=request.user, **data.validated_data)

        if dry_run:
            return self._rehearsed(write, new=True)
        meeting = write()
        written = reads.meeting_written_data(user=request.user, meeting_id=meeting.pk)
        return Response(written, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        dry_run = self._dry_run_requested()
        meeting = self.get_object()
        data = s.MeetingUpdateSerializer(data=request.data, context={"meeting": meeting})
        data.is_valid(raise_exception=True)

        def write():
            return meeting_update(meeting=meeting, by=request.user, **data.validated_data)

        if dry_run:
            return self._rehearsed(write, new=False)
        write()
        return Response(reads.meeting_written_data(user=request.user, meeting_id=meeting.pk))

    def destroy(self, request, pk=None):
        meeting_delete(meeting=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.CancelSerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        meeting = self.get_object()
        data = s.CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting_cancel(meeting=meeting, by=request.user, **data.validated_data)
        return Response(reads.meeting_data(user=request.user, meeting_id=meeting.pk))

    @extend_schema(request=s.RsvpSerializer, responses=s.ParticipantSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def rsvp(self, request, pk=None):
        meeting = self.get_object()
        data = s.RsvpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = meeting_rsvp(meeting=meeting, user=request.user, **data.validated_data)
        return Response(s.ParticipantSerializer(answer).data)

    @extend_schema(methods=["GET"], responses=s.ParticipantSerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"],
        request=s.InviteSerializer,
        responses={201: s.ParticipantSerializer, 200: s.ParticipantSerializer, **INVITING},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def participants(self, request, pk=None):
        meeting = self.get_object()
        if request.method == "GET":
            return Response(s.ParticipantSerializer(meeting.participants.all(), many=True).data)
        data = s.InviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        participant, created = participant_add(
            meeting=meeting, by=request.user, user_id=data.validated_data["user_id"]
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.ParticipantSerializer(participant).data, status=code)

    @extend_schema(responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"participants/(?P<user_id>{ID})")
    def remove_participant(self, request, pk=None, user_id=None):
        removed = participant_remove(
            meeting=self.get_object(), by=request.user, user_id=int(user_id)
        )
        if not removed:
            raise Http404("This person is not invited to this meeting.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.MeetingWriteSerializer(many=True),
        responses={201: s.MeetingSerializer(many=True), **WRITE_RESPONSES, **INVITING},
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def bulk(self, request):
        data = s.MeetingBulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meetings = meeting_bulk_create(organizer=request.user, items=data.validated_data)
        written = reads.meetings_data(user=request.user, meeting_ids=[m.pk for m in meetings])
        return Response(written, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.BulkStatusSerializer,
        responses={200: s.BulkStatusResultSerializer, **WRITE_RESPONSES},
    )
    @action(detail=False, methods=["post"], url_path="bulk-status")
    def bulk_status(self, request):
        data = s.BulkStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        own = Meeting.objects.organized_by(request.user).filter(pk__in=data.validated_data["ids"])
        updated = meeting_bulk_set_status(
            meetings=own, status=data.validated_data["status"], by=request.user
        )
        return Response({"updated": updated})

    @extend_schema(
        parameters=[s.MeetingListParamsSerializer],
        responses=OpenApiResponse(s.MeetingStatsSerializer),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def stats(self, request):
        return _json(reads.meeting_stats(request))
