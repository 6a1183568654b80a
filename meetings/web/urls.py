"""Pages for people (not the API, not the admin): log in, see a meeting, answer it.

E-mails link here: SITE_URL + these paths.
"""

from django.contrib.auth.views import LogoutView
from django.urls import path, reverse_lazy

from . import login, views

app_name = "web"

urlpatterns = [
    path("login/", login.LoginPage.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page=reverse_lazy("web:login")), name="logout"),
    path("meetings/", views.meeting_list_page, name="meetings"),
    path("meetings/<int:pk>/", views.meeting_page, name="meeting"),
    path("meetings/<int:pk>/rsvp/", views.meeting_rsvp_page, name="meeting-rsvp"),
]
