from django.urls import path
from rest_framework.routers import SimpleRouter

from .rooms import RoomViewSet
from .sync import MeetingSyncView
from .views import MeetingViewSet

router = SimpleRouter()
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("rooms", RoomViewSet, basename="room")

urlpatterns = [
    path("meetings/sync/", MeetingSyncView.as_view(), name="meeting-sync"),
    *router.urls,
]
