"""The calendar feed over HTTP: the feed itself, and its owner's side (its URL, a new one, none).

GET /api/feeds/<token>.ics: a user's meetings for calendar applications to subscribe to.
The secret in the URL is the only credential (calendar applications send no header): no
authentication, and an unknown or revoked token is a 404. Two throttles: wrong secrets per
client address (an address over its limit is refused before any lookup), and fetches per feed
(calendar services fetch many people's feeds from a few addresses). Nothing is stored for a
secret that opens no feed: not a throttle key, not a cache entry.
"""

import hashlib

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from meetings import cache as meeting_cache
from meetings.feed import selectors
from scheduler.api.throttling import FeedMissRateThrottle, FeedRateThrottle

from .serializers import FeedSerializer

CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_KEY_PATTERN = r"[A-Za-z0-9_-]{1,64}"
CLIENT_CACHE_SECONDS = 300  # as long as the server keeps it
VARIANT = "ics"  # the feed depends on nothing besides the data
FEED_URL_NAME = "api-feed"


class ErrorsInJson(BaseContentNegotiation):
    """The feed itself is text/calendar whatever the client accepts, and errors are JSON:
    a calendar application that accepts only text/calendar must not get a 406 instead."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


FEED_SCHEMA = extend_schema(
    operation_id="meeting_feed",
    summary="A user's calendar feed (iCalendar)",
    description=(
        f"The meetings of the feed's owner from {selectors.FEED_PAST.days} days ago to "
        f"{selectors.FEED_AHEAD.days} days ahead that they organize or have not declined, at most "
        f"the {selectors.FEED_MAX_EVENTS:,} nearest to now; cancelled ones with STATUS:CANCELLED. "
        "No authentication: the token in the URL is the secret (get it from "
        "GET /api/users/me/feed/). Answers If-None-Match with 304."
    ),
    auth=[],
    parameters=[
        OpenApiParameter(
            "token",
            str,
            OpenApiParameter.PATH,
            pattern=f"^{FEED_KEY_PATTERN}$",
            description="The feed's secret.",
        ),
        OpenApiParameter(
            "If-None-Match",
            str,
            OpenApiParameter.HEADER,
            description="ETags of copies the client has, or *: 304 if one is current.",
        ),
    ],
    responses={
        (200, "text/calendar"): OpenApiResponse(
            OpenApiTypes.STR, description="An RFC 5545 VCALENDAR."
        ),
        304: OpenApiResponse(description="Not modified: the client's copy is current."),
        # 404 (no feed has this token, or no longer) is added with the other errors.
    },
)


class MeetingFeedView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]  # for errors; the feed is an HttpResponse of its own
    content_negotiation_class = ErrorsInJson
    http_method_names = ["get", "head", "options"]
    throttle_classes = []  # both need the lookup's answer: see get()
    feed_owner_id = None

    @FEED_SCHEMA
    def get(self, request, token: str):
        owner = selectors.feed_owner(token=token)
        if owner is None:
            self._count_miss(request)
            raise NotFound
        self.feed_owner_id = owner.pk
        per_feed = FeedRateThrottle()
        if not per_feed.allow_request(request, self):
            self.throttled(request, per_feed.wait())
        body = meeting_cache.meeting_feed(
            user_id=owner.pk,
            variant=VARIANT,
            render=lambda: selectors.feed_body(user=owner, now=timezone.now()),
        )
        response = HttpResponse(body, content_type=CONTENT_TYPE)
        response["ETag"] = quote_etag(hashlib.sha256(body).hexdigest())
        response["Content-Disposition"] = 'inline; filename="meetings.ics"'
        # private: the URL holds a secret, shared caches must not keep the answer. No
        # Last-Modified: answers to invitations and removed meetings change the feed without
        # changing any meeting's updated_at, so If-Modified-Since would get wrong 304s.
        patch_cache_control(response, private=True, max_age=CLIENT_CACHE_SECONDS)
        not_modified = get_conditional_response(request, etag=response["ETag"], response=response)
        return not_modified or response

    def _count_miss(self, request) -> None:
        """A wrong secret counts against its address; past the limit the answer is 429. A right
        one is served whatever its address has missed: calendar services fetch everybody's
        feeds from a few addresses, where old URLs of rotated feeds keep being polled, and a
        limit on those addresses would shut every feed out. Guessing a right one is hopeless
        anyway (256 random bits); the limit is there against scanning."""
        misses = FeedMissRateThrottle()
        if not misses.allow_request(request, self):
            self.throttled(request, misses.wait())
        misses.count_miss(request, self)


# -- the owner's side ------------------------------------------------------------------------


def _feed(request, token: str) -> dict:
    url = request.build_absolute_uri(reverse(FEED_URL_NAME, kwargs={"token": token}))
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


class FeedView(APIView):
    """The caller's calendar feed. Anyone with its URL can read the caller's meetings: treat
    it as a password."""

    http_method_names = ["get", "delete", "head", "options"]

    @extend_schema(
        summary="My calendar feed's URL",
        description="Made on first request, then the same until rotated or deleted.",
        responses=FeedSerializer,
    )
    def get(self, request):
        token = services.user_feed_token(user=request.user)
        return Response(FeedSerializer(_feed(request, token)).data)

    @extend_schema(
        summary="Turn my calendar feed off",
        description="Its URL answers 404 from now on; GET makes a new one.",
        responses={204: None},
    )
    def delete(self, request):
        services.user_disable_feed(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FeedRotateView(APIView):
    http_method_names = ["post", "options"]

    @extend_schema(
        summary="A new URL for my calendar feed",
        description="The old URL answers 404 from now on (after a leak, say). Subscribed "
        "calendar applications must be given the new one.",
        request=None,
        responses=FeedSerializer,
    )
    def post(self, request):
        token = services.user_rotate_feed_token(user=request.user)
        return Response(FeedSerializer(_feed(request, token)).data)
