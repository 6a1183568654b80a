"""The owner's side of the calendar feed: its URL, a new one, or none."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services

FEED_URL_NAME = "api-feed"


class FeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The feed: subscribe to it in a calendar application.")
    webcal_url = serializers.CharField(
        help_text="The same feed as webcal://, which opens the calendar application."
    )


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
