from django.urls import path

from .auth import (
    LoginView,
    LogoutAllView,
    LogoutView,
    PasswordChangeView,
    TokenDetailView,
    TokenListView,
)
from .views import MeView, UserSearchView

urlpatterns = [
    path("auth/token/", LoginView.as_view(), name="api-token"),
    path("auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="api-logout-all"),
    path("auth/tokens/", TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/", TokenDetailView.as_view(), name="api-token-detail"),
    path("auth/password/", PasswordChangeView.as_view(), name="api-password"),
    path("users/me/", MeView.as_view(), name="api-me"),
    path("users/", UserSearchView.as_view(), name="api-users"),
]
