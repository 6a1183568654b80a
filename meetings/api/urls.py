from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from .history import MeetingHistoryView
from .rooms import RoomViewSet
from .sync import MeetingSyncView
from .views import ID, MeetingViewSet

router = SimpleRouter()
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("rooms", RoomViewSet, basename="room")

urlpatterns = [
    path("meetings/sync/", MeetingSyncView.as_view(), name="meeting-sync"),
    re_path(
        rf"^meetings/(?P<pk>{ID})/history/$", MeetingHistoryView.as_view(), name="meeting-history"
    ),
    *router.urls,
]
