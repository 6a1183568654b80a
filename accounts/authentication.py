"""`Authorization: Token <key>`: knox's token authentication, in one query per request."""

import re
from hmac import compare_digest

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox import auth
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework.exceptions import AuthenticationFailed

from .models import AuthToken

# Knox's tokens are hex; anything outside printable ASCII cannot be one (and a NUL character
# would be a database error, not a 401).
PLAUSIBLE_TOKEN = re.compile(r"[\x21-\x7e]{1,200}")


class TokenAuthentication(auth.TokenAuthentication):
    """Knox's, less its per-request housekeeping.

    Knox loads every token of the user on each request to delete the expired ones (a second
    query per request): expired tokens are left out of the lookup instead, and deleted when
    their owner next logs in (accounts.services.token_create) or by the nightly sweep
    (accounts.tasks). The token comes with its user in the one query.
    """

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        if not PLAUSIBLE_TOKEN.fullmatch(key):
            raise AuthenticationFailed("Invalid token.")
        digest = hash_token(key)
        candidates = AuthToken.objects.select_related("user").filter(
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], expiry__gt=timezone.now()
        )
        for auth_token in candidates:
            if compare_digest(digest, auth_token.digest):
                self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise AuthenticationFailed("Invalid token.")

    def renew_token(self, auth_token: AuthToken) -> None:
        """Push the expiry back and note the use, in one UPDATE at most once a
        MIN_REFRESH_INTERVAL (knox's auto-refresh, with the last use written alongside)."""
        now = timezone.now()
        last = auth_token.last_used or auth_token.created
        if (now - last).total_seconds() <= knox_settings.MIN_REFRESH_INTERVAL:
            return
        auth_token.last_used = now
        fields = ["last_used"]
        if knox_settings.AUTO_REFRESH:
            auth_token.expiry = now + knox_settings.TOKEN_TTL
            fields.append("expiry")
        auth_token.save(update_fields=fields)


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema names the scheme as before the move to knox (generated clients keep it)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=knox_settings.AUTH_HEADER_PREFIX
        )
