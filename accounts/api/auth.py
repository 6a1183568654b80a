"""Logging in and out with API tokens, and the caller's tokens."""

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.authentication import TokenAuthentication
from scheduler.api.throttling import LoginRateThrottle
from scheduler.api.views import UserTimezoneMixin

from .serializers import (
    LoginSerializer,
    TokenCreatedSerializer,
    TokenSerializer,
    token_created,
)

MAX_ID = 2**63 - 1  # bigint: a larger id is no token of anyone's, not a database error


def _client(request, given: str = "") -> str:
    return given or request.META.get("HTTP_USER_AGENT", "")


class LoginView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        summary="Log in: a new token for this device or client",
        description="Send the token as `Authorization: Token <token>`.",
        request=LoginSerializer,
        responses=TokenCreatedSerializer,
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        instance, key = services.token_create(
            user=user, client=_client(request, data.get("client", ""))
        )
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(token_created(instance, key))


class LogoutView(APIView):
    authentication_classes = [TokenAuthentication]

    @extend_schema(summary="Log out: end this token", request=None, responses={204: None})
    def post(self, request):
        services.token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    authentication_classes = [TokenAuthentication]

    @extend_schema(
        summary="Log out everywhere: end all my tokens", request=None, responses={204: None}
    )
    def post(self, request):
        services.user_revoke_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(summary="My tokens that still work, most recently used first")
class TokenListView(UserTimezoneMixin, generics.ListAPIView):
    serializer_class = TokenSerializer
    pagination_class = None  # at most TOKEN_LIMIT_PER_USER

    def get_queryset(self):
        return selectors.token_list(user=self.request.user)


class TokenDetailView(APIView):
    http_method_names = ["delete", "options"]

    @extend_schema(summary="End one of my tokens", responses={204: None})
    def delete(self, request, pk: int):
        if pk > MAX_ID or not services.token_revoke(user=request.user, token_id=pk):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)
