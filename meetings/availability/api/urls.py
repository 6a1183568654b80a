from django.urls import path

from .views import FreeBusyView, SuggestView

urlpatterns = [
    path("availability/", FreeBusyView.as_view(), name="api-availability"),
    path("availability/suggest/", SuggestView.as_view(), name="api-availability-suggest"),
]
