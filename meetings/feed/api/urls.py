from django.urls import path, re_path

from .views import FEED_KEY_PATTERN, FeedRotateView, FeedView, MeetingFeedView

urlpatterns = [
    re_path(
        rf"^feeds/(?P<token>{FEED_KEY_PATTERN})\.ics$", MeetingFeedView.as_view(), name="api-feed"
    ),
    path("users/me/feed/", FeedView.as_view(), name="api-me-feed"),
    path("users/me/feed/rotate/", FeedRotateView.as_view(), name="api-me-feed-rotate"),
]
