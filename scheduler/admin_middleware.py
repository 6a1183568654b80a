"""What the admin's requests need before any admin view runs.

- Staff read and enter times in their own time zone (the user's `timezone`), not the server's:
  a staff member in Paris sees 10:00 CET where the database holds 09:00 UTC (admin_times
  labels them).
- A NUL character in the query string is refused with a 400. PostgreSQL cannot hold one in a
  text value, so a search, a filter or an autocomplete term carrying one was a 500 when the
  query ran; no person types one.

After AuthenticationMiddleware, which sets request.user. The kernel knows no app: the user's
zone is read as an attribute.
"""

import zoneinfo

from django.core.exceptions import BadRequest
from django.urls import reverse
from django.utils import timezone


class AdminRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix: str | None = None

    def __call__(self, request):
        if not request.path.startswith(self._admin_prefix()):
            return self.get_response(request)
        if _has_nul(request.GET):
            raise BadRequest("The query string holds a NUL character.")
        zone = _staff_zone(request)
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)

    def _admin_prefix(self) -> str:
        if self._prefix is None:
            self._prefix = reverse("admin:index")
        return self._prefix


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


def _staff_zone(request) -> zoneinfo.ZoneInfo | None:
    """The staff member's zone; None for anyone else (the login page), or a zone unknown here
    (the server's, UTC, stays)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    try:
        return zoneinfo.ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
