"""GET /api/availability/ (free/busy) and GET /api/availability/suggest/ (find a time).

Any logged-in user may see any active user's busy times (never titles), as calendars inside an
organization allow. Times are read and written in the caller's zone; answers are built as plain
dicts (bodies.py), whose schema is serializers.py.
"""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from meetings import availability
from scheduler.api.views import UserTimezoneMixin

from .bodies import free_busy_body, suggestion_body
from .fields import MAX_USERS, users_parameter
from .params import FreeBusyParamsSerializer, SuggestParamsSerializer
from .serializers import FreeBusySerializer, SuggestionSerializer


def _params(serializer_class, request) -> dict:
    # A plain dict, not the QueryDict: DRF reads `?to=` in a QueryDict as "not given". Its
    # dict() keeps only the last value of each name: `users` gets all of them.
    data = request.query_params.dict()
    if "users" in data:
        data["users"] = request.query_params.getlist("users")
    params = serializer_class(data=data)
    params.is_valid(raise_exception=True)
    return params.validated_data


def _people(user_ids: list[int], *, caller: User | None = None) -> list[User]:
    """The people asked about (the caller first if given), or a 400 naming the missing ids."""
    wanted = list(dict.fromkeys([caller.pk, *user_ids])) if caller else user_ids
    people = availability.availability_users(user_ids=wanted)
    missing = sorted(set(user_ids) - {person.pk for person in people})
    if len(missing) == 1:
        raise serializers.ValidationError({"users": [f"No active user has the id {missing[0]}."]})
    if missing:
        ids = ", ".join(str(user_id) for user_id in missing)
        raise serializers.ValidationError({"users": [f"No active users have the ids {ids}."]})
    return people


class FreeBusyView(UserTimezoneMixin, APIView):
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="availability_free_busy",
        summary="Free/busy of some people",
        description=(
            "Each person's busy times in the window: meetings that are not cancelled which "
            "they organize or are invited to and have not declined. Times only: no titles, no "
            "meeting ids. Intervals of one status are merged when they overlap or touch, "
            "clipped to the window and sorted; where busy and tentative overlap, busy wins. "
            "Three queries whatever the number of people."
        ),
        parameters=[
            FreeBusyParamsSerializer,
            users_parameter(
                required=True,
                description=f"Ids of active users, at most {MAX_USERS}: `users=3&users=1` or "
                "`users=3,1`.",
            ),
        ],
        responses=FreeBusySerializer,
    )
    def get(self, request):
        params = _params(FreeBusyParamsSerializer, request)
        people = _people(params["users"])
        busy = availability.free_busy(users=people, start=params["from"], end=params["to"])
        return Response(free_busy_body(params=params, busy=busy))


class SuggestView(UserTimezoneMixin, APIView):
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="availability_suggest",
        summary="Find a time for some people and me",
        description=(
            "The first slots (earliest first, at most `limit`) of `duration` minutes in the "
            "window when the caller and every person listed work (each in their own zone and "
            "working hours) and none of them is busy or tentative. Slots start on the quarter "
            "hour and never in the past. With no slot, `reasons` says why in sentences. "
            "With `room=true`, only slots when a room seating everyone is free. Three queries "
            "whatever the number of people (four with rooms)."
        ),
        parameters=[
            SuggestParamsSerializer,
            users_parameter(
                required=False,
                description=f"Ids of active users besides the caller, at most {MAX_USERS}: "
                "`users=3&users=1` or `users=3,1`.",
            ),
        ],
        responses=SuggestionSerializer,
    )
    def get(self, request):
        params = _params(SuggestParamsSerializer, request)
        people = _people(params["users"], caller=request.user)
        suggestion = availability.suggest_slots(
            people=people,
            start=params["from"],
            end=params["to"],
            duration=timedelta(minutes=params["duration"]),
            limit=params["limit"],
            now=timezone.now(),
            display_zone=timezone.get_current_timezone(),
            with_rooms=params["room"],
        )
        return Response(suggestion_body(params=params, people=people, suggestion=suggestion))
