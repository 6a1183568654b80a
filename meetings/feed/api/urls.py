from django.urls import re_path

from .views import FEED_KEY_PATTERN, MeetingFeedView

urlpatterns = [
    re_path(
        rf"^feeds/(?P<token>{FEED_KEY_PATTERN})\.ics$", MeetingFeedView.as_view(), name="api-feed"
    ),
]
