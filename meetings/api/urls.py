from rest_framework.routers import SimpleRouter

from .rooms import RoomViewSet
from .views import MeetingViewSet

router = SimpleRouter()
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("rooms", RoomViewSet, basename="room")

urlpatterns = router.urls
