"""What the meeting API reads: the cached answers (a list page, a meeting, statistics), and a
meeting as a write left it.

A cached read asks meetings.cache for its entry and hands it what makes the entry on a miss: the
selector's rows, rendered (render.py). The views call these; nothing here calls back a view.
"""

import json

from django.utils import timezone
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import BasePagination
from rest_framework.request import Request

from accounts.models import User
from meetings import cache as meeting_cache
from meetings import selectors
from meetings.models import Series
from meetings.people_conflicts import meeting_conflicts
from scheduler.caching import ReadAhead
from scheduler.silk import profiled

from .conflicts import people_conflicts_body
from .render import meeting_dict, meeting_json, meeting_page_json, stats_json
from .serializers import MeetingListParamsSerializer

# The query parameters an answer depends on, for its cache key.
CACHE_PARAMS = {"from", "to", "status", "role", "search", "cursor", "page_size"}


def list_filters(request: Request) -> selectors.MeetingFilters:
    # A plain dict, not the QueryDict: DRF reads `?to=` in a QueryDict as "not given".
    params = MeetingListParamsSerializer(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    data = params.validated_data
    return selectors.MeetingFilters(
        start=data.get("from"),
        end=data.get("to"),
        status=data.get("status"),
        role=data.get("role"),
        search=data.get("search"),
    )


def _variant(request: Request, *parts) -> str:
    """Everything an answer depends on besides the data, for its cache key. Worked out once
    per request (the read ahead and the read both ask), once the caller's zone is active."""
    known = request.__dict__.setdefault("_cache_variants", {})
    if parts not in known:
        params = sorted(
            (name, value) for name, value in request.query_params.items() if name in CACHE_PARAMS
        )
        here = (request.scheme, request.get_host(), timezone.get_current_timezone_name())
        known[parts] = json.dumps([*here, *parts, params])
    return known[parts]


def read_ahead(request: Request, *, action: str | None, kwargs: dict) -> ReadAhead | None:
    """The entry that the view's action will read, for the throttle's round trip to read."""
    user_id = request.user.pk
    if action in ("list", "stats"):
        family = meeting_cache.LIST if action == "list" else meeting_cache.STATS
        return meeting_cache.read_ahead(family, user_id=user_id, variant=_variant(request))
    if action == "retrieve":
        variant = _variant(request, int(kwargs["pk"]))
        return meeting_cache.read_ahead(meeting_cache.DETAIL, user_id=user_id, variant=variant)
    return None


def meeting_list_page(request: Request, *, paginator: BasePagination) -> bytes:
    """A page of the caller's meetings, filtered and cut as the query parameters say. The
    parameters are read on a miss only: a request that they fail never finds an entry."""

    def render() -> bytes:
        meetings = selectors.meeting_list(user=request.user, filters=list_filters(request))
        page = paginator.paginate_queryset(meetings.prefetch_related(None), request)
        people = selectors.meeting_people(meeting_ids=[meeting.id for meeting in page])
        return meeting_page_json(page, paginator=paginator, people=people)

    return meeting_cache.meeting_list_page(
        user_id=request.user.pk, variant=_variant(request), render=render
    )


def meeting_detail(request: Request, *, meeting_id: int) -> tuple[bytes, str]:
    """One of the caller's meetings, and its ETag; Http404 if they cannot see it."""

    def render() -> tuple[bytes, str]:
        meetings = selectors.meeting_detail_queryset(user=request.user)
        return meeting_json(get_object_or_404(meetings, pk=meeting_id))

    return meeting_cache.meeting_detail(
        user_id=request.user.pk, variant=_variant(request, meeting_id), render=render
    )


def meeting_stats(request: Request) -> bytes:
    """Totals over the caller's meetings, filtered as the list is."""

    @profiled("meeting statistics")
    def render():
        totals = selectors.meeting_stats(
            user=request.user, filters=list_filters(request), now=timezone.now()
        )
        return stats_json(totals.figures), totals.next_start

    return meeting_cache.meeting_stats(
        user_id=request.user.pk, variant=_variant(request), render=render
    )


def meeting_data(*, user: User, meeting_id: int) -> dict:
    """The meeting as the caller sees it now: the answer to a write."""
    return meeting_dict(selectors.meeting_detail_queryset(user=user).get(pk=meeting_id))


def meeting_written_data(*, user: User, meeting_id: int) -> dict:
    """The meeting as written, with the people it double-books."""
    meeting = selectors.meeting_detail_queryset(user=user).get(pk=meeting_id)
    data = meeting_dict(meeting)
    data["conflicts"] = people_conflicts_body(meeting_conflicts(meeting=meeting))
    return data


def meetings_data(*, user: User, meeting_ids: list[int]) -> list[dict]:
    """Meetings just written, in the order of `meeting_ids`."""
    by_id = selectors.meeting_detail_queryset(user=user).in_bulk(meeting_ids)
    return [meeting_dict(by_id[meeting_id]) for meeting_id in meeting_ids]


def first_occurrence_id(series: Series) -> int:
    return series.occurrences.order_by("start_time", "id").values_list("pk", flat=True)[0]


def series_written_data(*, user: User, series: Series) -> dict:
    """A recurring meeting just made: its first occurrence as written, and the series."""
    data = meeting_written_data(user=user, meeting_id=first_occurrence_id(series))
    data["series"] = {
        "id": series.pk,
        "recurrence": series.recurrence,
        "time_zone": series.time_zone,
        "rule": series.rule_in_words,
        "occurrences": series.occurrences.count(),
        "complete": series.complete,
    }
    return data
