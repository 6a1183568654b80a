"""`Authorization: Token <key>`: knox's token authentication, in one query per request, or none
when the token is cached."""

import re
from hmac import compare_digest

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox import auth
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework.exceptions import AuthenticationFailed

from . import cache as token_cache
from . import services
from .models import AuthToken

# Knox's tokens are hex; anything outside printable ASCII cannot be one (and a NUL character
# would be a database error, not a 401).
PLAUSIBLE_TOKEN = re.compile(r"[\x21-\x7e]{1,200}")


class TokenAuthentication(auth.TokenAuthentication):
    """Knox's, less its per-request housekeeping, and cached.

    Knox loads every token of the user on each request to delete the expired ones (a second
    query per request): expired tokens are left out of the lookup instead, and deleted when
    their owner next logs in (accounts.services.token_create) or by the nightly sweep
    (accounts.tasks). The token comes with its user in the one query, and is then kept in the
    cache (accounts.cache): a request with a token seen a moment ago makes no query at all,
    until the token is revoked or its user changes.
    """

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        if not PLAUSIBLE_TOKEN.fullmatch(key):
            raise AuthenticationFailed("Invalid token.")
        digest = hash_token(key)
        found = token_cache.token_authenticated(
            key=key, digest=digest, load=lambda: _live_token(key, digest)
        )
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        try:
            renewed = services.token_renew(token=found.token, now=timezone.now())
        except AuthToken.DoesNotExist:  # revoked since the cache was read
            raise AuthenticationFailed("Invalid token.") from None
        if renewed or not found.hit:
            token_cache.token_store(found)
        return self.validate_user(found.token)


def _live_token(key: str, digest: str) -> AuthToken | None:
    candidates = AuthToken.objects.select_related("user").filter(
        token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], expiry__gt=timezone.now()
    )
    for auth_token in candidates:
        if compare_digest(digest, auth_token.digest):
            return auth_token
    return None


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema names the scheme as before the move to knox (generated clients keep it)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=knox_settings.AUTH_HEADER_PREFIX
        )
