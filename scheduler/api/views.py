"""What every API view shares: times read and written in the caller's own time zone, and the
cached entry a read will want, read while the request is let through."""

import zoneinfo

from django.utils import timezone

from scheduler import caching


class UserTimezoneMixin:
    """Activates the authenticated user's time zone for the request.

    DRF reads a datetime sent without an offset in the current time zone and writes datetimes
    in it, so "2026-03-02T09:00" means 09:00 where the caller lives, and answers carry their
    offset. Authentication happens inside the view (tokens), hence not a middleware; the zone
    is active from the moment the user is known, so that the throttles' read ahead
    (ReadAheadMixin) keys what it reads as the view will.
    """

    def perform_authentication(self, request):
        super().perform_authentication(request)
        zone = getattr(request.user, "timezone", None)
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))

    def finalize_response(self, request, response, *args, **kwargs):
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            timezone.deactivate()


class ReadAheadMixin:
    """A view that knows, once the caller is authenticated, which cached entry its action will
    read (read_ahead() returns it, or None) has it read in the round trip that counts the
    request against its throttle: a warm read then makes one round trip fewer."""

    _read_ahead_token = None

    def read_ahead(self, request) -> caching.ReadAhead | None:
        return None

    def check_throttles(self, request):
        ahead = self.read_ahead(request)
        if ahead is not None:
            self._read_ahead_token = caching.start_read_ahead(ahead)
        super().check_throttles(request)

    def finalize_response(self, request, response, *args, **kwargs):
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            if self._read_ahead_token is not None:
                caching.end_read_ahead(self._read_ahead_token)
                self._read_ahead_token = None
