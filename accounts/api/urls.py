from django.urls import path

from .views import MeView, TokenLoginView, UserSearchView

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("users/me/", MeView.as_view(), name="api-me"),
    path("users/", UserSearchView.as_view(), name="api-users"),
]
