"""Logging in and out with API tokens, the caller's tokens, and changing one's password."""

from django.contrib.auth import authenticate, update_session_auth_hash, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.authentication import TokenAuthentication
from accounts.models import AuthToken
from scheduler.api.throttling import LoginFailureThrottle, LoginRateThrottle
from scheduler.api.views import UserTimezoneMixin

from .serializers import (
    LoginSerializer,
    PasswordChangeSerializer,
    TokenCreatedSerializer,
    TokenSerializer,
    token_created,
)

MAX_ID = 2**63 - 1  # bigint: a larger id is no token of anyone's, not a database error
LOCKED_OUT = "Too many failed logins for this username."


def _failure_limit(username: str) -> LoginFailureThrottle:
    """A place under the username's limit of failed password checks, taken before the check:
    a locked-out username is a 429 before any hashing. Call succeeded() on the right password,
    so that only failures use up the limit."""
    failures = LoginFailureThrottle(username)
    if not failures.attempt():
        raise Throttled(wait=failures.wait(), detail=LOCKED_OUT)
    return failures


def _client(request, given: str = "") -> str:
    return given or request.META.get("HTTP_USER_AGENT", "")


class LoginView(APIView):
    """The caller's own credentials play no part here: with none, a token header cannot
    take the login out of the per-address throttle (nor cost a query)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        summary="Log in: a new token for this device or client",
        description="Every attempt counts against the caller's address (`THROTTLE_LOGIN`), "
        "and every failure against the username tried, from any address "
        "(`THROTTLE_LOGIN_FAILURES`); beyond either, 429 with Retry-After, even with the right "
        "password. Send the token as `Authorization: Token <token>`.",
        request=LoginSerializer,
        responses=TokenCreatedSerializer,
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        failures = _failure_limit(data["username"])
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        failures.succeeded()
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


class PasswordChangeView(APIView):
    @extend_schema(
        summary="Change my password",
        description="Ends every token and session of mine, and answers a new token for this "
        "client. A wrong `old_password` counts as a failed login.",
        request=PasswordChangeSerializer,
        responses=TokenCreatedSerializer,
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data, user = serializer.validated_data, request.user
        failures = _failure_limit(user.get_username())
        if not user.check_password(data["old_password"]):
            raise ValidationError({"old_password": ["Wrong password."]})
        failures.succeeded()
        token = request.auth if isinstance(request.auth, AuthToken) else None
        instance, key = services.user_change_password(
            user=user,
            password=data["new_password"],
            client=token.client if token else _client(request),
        )
        if token is None:  # logged in by session: that session stays
            update_session_auth_hash(request._request, user)
        return Response(token_created(instance, key))
