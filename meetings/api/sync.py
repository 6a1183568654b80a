"""GET /api/meetings/sync/: incremental sync, as Google Calendar's syncToken and Microsoft
Graph's delta queries do it.

Without a token: every meeting the caller can see, in pages, and on the last page a
`next_sync_token`. With `?sync_token=`: only what changed for the caller since, each as
{"id", "change", "meeting"}, in pages, and again a `next_sync_token` on the last. A page's
`next` link carries everything the next page needs (signed): follow it as it is.

A token records a position in the change record (meetings.changes) and when it was given. One
older than SYNC_RETENTION_DAYS, or not one of ours, or another person's, is a 410 with the code
`full_sync_required`: drop what you hold and sync from scratch.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from meetings import selectors
from meetings.changes.models import Change
from meetings.changes.selectors import SyncRow, change_horizon, sync_changes
from scheduler.api.pagination import KeysetPagination
from scheduler.api.views import UserTimezoneMixin

from .render import meeting_dict
from .serializers import MeetingSerializer

TOKEN_SALT = "meetings.sync.token"  # noqa: S105 - a signing salt, not a secret
PAGE_SALT = "meetings.sync.page"


class FullSyncRequired(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "full_sync_required"
    default_detail = "This sync token can no longer be used: sync again without a token."


@dataclass(frozen=True)
class Page:
    """Where a sync stands between two pages: `since` is None for a full sync."""

    since: int | None
    horizon: int | None  # None: not taken yet (a first page)
    after: (
        tuple | None
    )  # the last (start_time, id) of a full sync, (position, meeting id) of a delta


def _token(*, user_id: int, position: int) -> str:
    return signing.dumps({"u": user_id, "p": position}, salt=TOKEN_SALT, compress=False)


def _token_position(raw: str, *, user_id: int) -> int:
    max_age = settings.SYNC_RETENTION_DAYS * 86400
    try:
        payload = signing.loads(raw, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise FullSyncRequired(
            f"This sync token is older than {settings.SYNC_RETENTION_DAYS} days: changes that "
            "old are no longer kept. Sync again without a token."
        ) from None
    except signing.BadSignature:
        raise FullSyncRequired(
            "This sync token is not one we gave: sync again without a token."
        ) from None
    if payload.get("u") != user_id or not isinstance(payload.get("p"), int):
        raise FullSyncRequired("This sync token was given to someone else: sync without one.")
    return payload["p"]


def _page(raw: str, *, user_id: int) -> Page:
    max_age = settings.SYNC_RETENTION_DAYS * 86400
    try:
        payload = signing.loads(raw, salt=PAGE_SALT, max_age=max_age)
        if payload["u"] != user_id:
            raise ValueError
        after = tuple(payload["a"])
        if payload["s"] is None:
            after = (datetime.fromisoformat(after[0]), int(after[1]))
        return Page(since=payload["s"], horizon=int(payload["h"]), after=after)
    except signing.SignatureExpired:
        raise FullSyncRequired() from None
    except (signing.BadSignature, KeyError, TypeError, ValueError, IndexError):
        raise ValidationError(
            {"page": ["Invalid page: follow the `next` link as given."]}
        ) from None


def _page_link(request, page: Page) -> str:
    after = list(page.after)
    if page.since is None:
        after = [after[0].isoformat(), after[1]]
    raw = signing.dumps(
        {"u": request.user.pk, "s": page.since, "h": page.horizon, "a": after},
        salt=PAGE_SALT,
        compress=False,
    )
    url = request.build_absolute_uri(request.path)
    url = replace_query_param(url, "page", raw)
    if "page_size" in request.query_params:
        url = replace_query_param(url, "page_size", request.query_params["page_size"])
    return url


class SyncItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    change = serializers.ChoiceField(choices=Change.choices)
    meeting = MeetingSerializer(allow_null=True, help_text="Null when `change` is deleted.")


class SyncPageSerializer(serializers.Serializer):
    results = SyncItemSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page: follow it as given.")
    next_sync_token = serializers.CharField(
        allow_null=True, help_text="On the last page: keep it and send it next time."
    )


class SyncErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


SYNC_PARAMETERS = [
    OpenApiParameter(
        "sync_token",
        str,
        description="The `next_sync_token` of your last sync: only what changed since.",
    ),
    OpenApiParameter("page", str, description="Given in a `next` link; do not build it."),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1},
        description=f"Results per page: {KeysetPagination.page_size} by default, "
        f"{KeysetPagination.max_page_size} at most.",
    ),
]


class MeetingSyncView(UserTimezoneMixin, APIView):
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="meetings_sync",
        summary="Incremental sync of the caller's meetings",
        parameters=SYNC_PARAMETERS,
        responses={
            200: SyncPageSerializer,
            400: OpenApiResponse(description="A page or page_size that is not valid."),
            410: OpenApiResponse(
                SyncErrorSerializer,
                "The sync token is too old, unknown or someone else's (code "
                "`full_sync_required`): sync again without one.",
            ),
        },
    )
    def get(self, request):
        try:
            return Response(self._sync(request))
        except FullSyncRequired as gone:
            body = {"detail": str(gone.detail), "code": FullSyncRequired.default_code}
            return Response(body, status=gone.status_code)

    def _sync(self, request) -> dict:
        size = KeysetPagination().get_page_size(request)
        user_id = request.user.pk
        if "page" in request.query_params:
            page = _page(request.query_params["page"], user_id=user_id)
        elif "sync_token" in request.query_params:
            since = _token_position(request.query_params["sync_token"], user_id=user_id)
            page = Page(since=since, horizon=None, after=None)
        else:
            page = Page(since=None, horizon=None, after=None)
        if page.since is None:
            return self._everything(request, page, size)
        return self._changes(request, page, size)

    def _everything(self, request, page: Page, size: int) -> dict:
        """A full sync: the caller's meetings in (start_time, id) order, as the list pages."""
        horizon = page.horizon if page.horizon is not None else change_horizon()
        meetings = selectors.meeting_detail_queryset(user=request.user)
        if page.after:
            start, meeting_id = page.after
            meetings = meetings.filter(start_time__gte=start).exclude(
                start_time=start, id__lte=meeting_id
            )
        rows = list(meetings[: size + 1])
        items = [_item(m.pk, Change.CREATED, m) for m in rows[:size]]
        if len(rows) > size:
            last = rows[size - 1]
            after = (last.start_time, last.pk)
            return _body(items, next=_page_link(request, Page(None, horizon, after)))
        return _body(items, token=_token(user_id=request.user.pk, position=horizon))

    def _changes(self, request, page: Page, size: int) -> dict:
        found = sync_changes(
            user_id=request.user.pk,
            since=page.since,
            horizon=page.horizon,
            after=page.after,
            size=size,
        )
        items = _items(request.user, found.rows)
        if found.more:
            last = found.rows[-1]
            after = (last.position, last.meeting_id)
            return _body(items, next=_page_link(request, Page(page.since, found.horizon, after)))
        return _body(items, token=_token(user_id=request.user.pk, position=found.horizon))


def _items(user, rows: list[SyncRow]) -> list[dict]:
    """The changed meetings as they are now; one the caller no longer sees is deleted."""
    wanted = [row.meeting_id for row in rows if row.change != Change.DELETED]
    meetings = {}
    if wanted:
        visible = selectors.meeting_detail_queryset(user=user).filter(pk__in=wanted)
        meetings = {meeting.pk: meeting for meeting in visible}
    return [
        _item(row.meeting_id, row.change, meetings.get(row.meeting_id))
        if row.meeting_id in meetings
        else _item(row.meeting_id, Change.DELETED, None)
        for row in rows
    ]


def _item(meeting_id: int, change: str, meeting) -> dict:
    return {
        "id": meeting_id,
        "change": change,
        "meeting": meeting_dict(meeting) if meeting is not None else None,
    }


def _body(items: list[dict], *, next: str | None = None, token: str | None = None) -> dict:
    return {"results": items, "next": next, "next_sync_token": token}
