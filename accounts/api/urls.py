from django.urls import path

from .feed import FeedRotateView, FeedView
from .views import MeView, TokenLoginView, UserSearchView

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("users/me/", MeView.as_view(), name="api-me"),
    path("users/me/feed/", FeedView.as_view(), name="api-me-feed"),
    path("users/me/feed/rotate/", FeedRotateView.as_view(), name="api-me-feed-rotate"),
    path("users/", UserSearchView.as_view(), name="api-users"),
]
