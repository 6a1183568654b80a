from django.http import Http404, HttpResponse, HttpResponseNotModified
from drf_spectacular.utils import (
    OpenApiParameter,
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
from meetings.services.lifecycle import meeting_create
from meetings.services.participants import participant_add, participant_remove
from meetings.services.scopes import (
    ScopeResult,
    occurrence_cancel,
    occurrence_delete,
    occurrence_rsvp,
    occurrence_update,
)
from meetings.services.series import series_create
from scheduler.api.views import ReadAheadMixin, UserTimezoneMixin

from . import conditional, reads
from . import serializers as s
from .dry_run import dry_run_body, scope_body
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
    serializers=[s.MeetingScopedWrittenSerializer, s.DryRunSerializer],
    resource_type_field_name=None,
)
CANCELLED_OR_DRY_RUN = PolymorphicProxySerializer(
    component_name="MeetingCancelledOrDryRun",
    serializers=[s.MeetingScopedSerializer, s.DryRunSerializer],
    resource_type_field_name=None,
)
ANSWERED_OR_DRY_RUN = PolymorphicProxySerializer(
    component_name="AnswerOrDryRun",
    serializers=[s.ParticipantScopedSerializer, s.DryRunSerializer],
    resource_type_field_name=None,
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The ETag the change is based on ("..." quotes included; several separated by '
    "commas, or *): if the meeting's is none of them, the answer is 412 and nothing changes. "
    "Weak tags (W/) never match.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="ETags of copies the client has, or *: 304 if one is current (W/ or not).",
)
PRECONDITION_FAILED = {
    412: OpenApiResponse(
        s.PreconditionFailedSerializer,
        "If-Match names none of the meeting's current ETag (in the ETag header and the body): "
        "nothing changed; with ?dry_run=true too.",
    )
}


def etag_header(*codes: int, required: bool = True) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        str,
        OpenApiParameter.HEADER,
        response=list(codes),
        required=required,
        description="The meeting's ETag (its `etag`), to send in If-Match or If-None-Match."
        + ("" if required else " Absent from a dry run's answer."),
    )


CREATED = PolymorphicProxySerializer(
    component_name="MeetingCreated",
    serializers=[s.MeetingWrittenSerializer, s.MeetingSeriesWrittenSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(parameters=[s.MeetingListParamsSerializer]),
    retrieve=extend_schema(
        parameters=[IF_NONE_MATCH, etag_header(200, 304)],
        responses={
            200: s.MeetingSerializer,
            304: OpenApiResponse(description="Not modified: If-None-Match names the ETag."),
        },
    ),
    create=extend_schema(
        request=s.MeetingCreateSerializer,
        parameters=[s.DryRunParamsSerializer],
        responses={201: CREATED, 200: DRY_RUN, **WRITE_RESPONSES, **INVITING},
        description="A meeting; with `recurrence`, a recurring meeting whose occurrences are "
        "meetings of their own (the answer is the first, with `series`).",
    ),
    partial_update=extend_schema(
        request=s.MeetingUpdateSerializer,
        parameters=[s.ScopeParamsSerializer, IF_MATCH, etag_header(200, required=False)],
        responses={200: WRITTEN_OR_DRY_RUN, **WRITE_RESPONSES, **INVITING, **PRECONDITION_FAILED},
        description="Answers a MeetingScopedWritten, or with ?dry_run=true a DryRun (nothing "
        "saved). `recurrence` and `time_zone` change a series' rule: scope following or all.",
    ),
    destroy=extend_schema(
        parameters=[s.ScopeParamsSerializer, IF_MATCH],
        responses={204: None, 200: DRY_RUN, **PRECONDITION_FAILED},
        description="With ?dry_run=true: what would be deleted (200), nothing is.",
    ),
)
class MeetingViewSet(UserTimezoneMixin, ReadAheadMixin, viewsets.GenericViewSet):
    """Meetings the caller organizes or is invited to; nobody else's exist here (404)."""

    serializer_class = s.MeetingSerializer
    permission_classes = [IsAuthenticated, IsOrganizerOrReadOnly]
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        # What `participants` opens by id; the list, a meeting and statistics are cached
        # reads (reads.py).
        return selectors.meeting_detail_queryset(user=self.request.user)

    def read_ahead(self, request):
        return reads.read_ahead(request, action=self.action, kwargs=self.kwargs)

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

    def _scope_params(self) -> tuple[str, bool]:
        params = s.ScopeParamsSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        return params.validated_data["scope"], params.validated_data["dry_run"]

    def _rehearsed(self, write, *, new: bool, shown=lambda written: written.pk) -> Response:
        """`shown(result)`: the id of the meeting the answer shows (None: deleted)."""

        def inspect(written):
            meeting_id = shown(written)
            data = None
            people = set()
            if meeting_id is not None:
                data = reads.meeting_written_data(user=self.request.user, meeting_id=meeting_id)
                people = {data["organizer"]["id"], *(p["user"]["id"] for p in data["participants"])}
            if isinstance(written, ScopeResult):
                people |= written.people
                return data, people, scope_body(written, data)
            return data, people, None

        rehearsal = rehearse(write, inspect)
        return Response(dry_run_body(rehearsal, new=new, by=self.request.user))

    def _scoped(self, result: ScopeResult) -> dict:
        assert result.meeting_id is not None  # noqa: S101 - a change leaves the meeting
        data = reads.meeting_written_data(user=self.request.user, meeting_id=result.meeting_id)
        data["scope"] = scope_body(result, data)
        return data

    def list(self, request):
        return _json(reads.meeting_list_page(request, paginator=self.paginator))

    def retrieve(self, request, pk=None):
        body, etag = reads.meeting_detail(request, meeting_id=int(pk))
        if conditional.not_modified(request, etag=etag):
            return HttpResponseNotModified(headers={"ETag": etag})
        response = _json(body)
        response["ETag"] = etag
        return response

    def create(self, request):
        dry_run = self._dry_run_requested()
        data = s.MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "recurrence" in fields:
            return self._create_series(fields, dry_run=dry_run)

        def write():
            return meeting_create(organizer=request.user, **fields)

        if dry_run:
            return self._rehearsed(write, new=True)
        meeting = write()
        written = reads.meeting_written_data(user=request.user, meeting_id=meeting.pk)
        return Response(written, status=status.HTTP_201_CREATED)

    def _create_series(self, fields: dict, *, dry_run: bool) -> Response:
        def write():
            return series_create(organizer=self.request.user, **fields)

        if dry_run:
            return self._rehearsed(write, new=True, shown=reads.first_occurrence_id)
        written = reads.series_written_data(user=self.request.user, series=write())
        return Response(written, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        scope, dry_run = self._scope_params()
        meeting = self.get_object()
        data = s.MeetingUpdateSerializer(data=request.data, context={"meeting": meeting})
        data.is_valid(raise_exception=True)

        def write():
            return occurrence_update(
                meeting=meeting, by=request.user, scope=scope, **data.validated_data
            )

        write = conditional.if_match(request, meeting_id=meeting.pk, write=write)
        if dry_run:
            return self._rehearsed(write, new=False, shown=lambda result: result.meeting_id)
        written = self._scoped(write())
        return Response(written, headers={"ETag": written["etag"]})

    def destroy(self, request, pk=None):
        scope, dry_run = self._scope_params()
        meeting = self.get_object()

        def write():
            return occurrence_delete(meeting=meeting, by=request.user, scope=scope)

        write = conditional.if_match(request, meeting_id=meeting.pk, write=write)
        if dry_run:
            return self._rehearsed(write, new=False, shown=lambda result: None)
        write()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.CancelSerializer,
        parameters=[s.ScopeParamsSerializer, IF_MATCH, etag_header(200, required=False)],
        responses={200: CANCELLED_OR_DRY_RUN, **PRECONDITION_FAILED},
        description="With ?dry_run=true a DryRun: what would be cancelled, nothing is.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        scope, dry_run = self._scope_params()
        meeting = self.get_object()
        data = s.CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def write():
            return occurrence_cancel(
                meeting=meeting, by=request.user, scope=scope, **data.validated_data
            )

        write = conditional.if_match(request, meeting_id=meeting.pk, write=write)
        if dry_run:
            return self._rehearsed(write, new=False, shown=lambda result: result.meeting_id)
        result = write()
        answer = reads.meeting_data(user=request.user, meeting_id=meeting.pk)
        answer["scope"] = scope_body(result, answer)
        return Response(answer, headers={"ETag": answer["etag"]})

    @extend_schema(
        request=s.RsvpSerializer,
        parameters=[s.ScopeParamsSerializer, IF_MATCH, etag_header(200, required=False)],
        responses={200: ANSWERED_OR_DRY_RUN, **PRECONDITION_FAILED},
        description="With ?dry_run=true a DryRun: what would be answered, nothing is. The "
        "meeting's new ETag comes in the ETag header when If-Match was sent.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def rsvp(self, request, pk=None):
        scope, dry_run = self._scope_params()
        meeting = self.get_object()
        data = s.RsvpSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def write():
            return occurrence_rsvp(
                meeting=meeting, user=request.user, scope=scope, **data.validated_data
            )

        write = conditional.if_match(request, meeting_id=meeting.pk, write=write)
        if dry_run:
            return self._rehearsed(write, new=False, shown=lambda result: result.meeting_id)
        result = write()
        answer = result.answer or meeting.participants.select_related("user").get(
            user=request.user
        )  # the occurrence asked about may be past (scope=all) and keep its answer
        body = {**s.ParticipantSerializer(answer).data, "scope": scope_body(result, None)}
        if not conditional.asks_if_match(request):
            return Response(body)  # the answer, not the meeting: its tag costs a read
        etag = reads.meeting_data(user=request.user, meeting_id=meeting.pk)["etag"]
        return Response(body, headers={"ETag": etag})

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
