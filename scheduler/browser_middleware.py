"""Session logins and messages are for browsers: a request that brings an API token skips them.

A request under /api/ with `Authorization: Token ...` is authenticated in the view by its token.
DRF tries the token first, and knox answers a Token header itself (its user, or a 401), never
leaving it to session authentication; and the API answers JSON, never with a message. Setting up
a session login and a message store anyway cost 3% of a warm cached list (112k of its 3.5M
instructions under callgrind; the messages 83k of them).

Django's session and CSRF middleware stay as they are, though such a request needs neither
(a session is read only when asked; every view under /api/ is exempt from the CSRF middleware's
check): Silk refuses to start, and `check --deploy` warns, unless they are listed by their own
names. Together they cost another 1.5%.

Django's own classes, in MIDDLEWARE in their places: every other request (the admin, the
people's pages, the API called with a session) goes through them as before, and the admin's
system checks find them (they look for subclasses).
"""

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages

from scheduler.api.paths import is_api_request


def brings_an_api_token(request) -> bool:
    """An API request whose Authorization header names knox's scheme, as knox reads it."""
    if not is_api_request(request):
        return False
    words = request.META.get("HTTP_AUTHORIZATION", "").split(None, 1)
    return bool(words) and words[0].lower() == settings.REST_KNOX["AUTH_HEADER_PREFIX"].lower()


class _ForBrowsers:
    def __call__(self, request):
        if brings_an_api_token(request):
            return self.get_response(request)
        return super().__call__(request)


class AuthenticationMiddleware(_ForBrowsers, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_ForBrowsers, messages.MessageMiddleware):
    pass
