"""What every API view shares: times read and written in the caller's own time zone."""

import zoneinfo

from django.utils import timezone


class UserTimezoneMixin:
    """Activates the authenticated user's time zone for the request.

    DRF reads a datetime sent without an offset in the current time zone and writes datetimes
    in it, so "2026-03-02T09:00" means 09:00 where the caller lives, and answers carry their
    offset. Authentication happens inside the view (tokens), hence not a middleware.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        zone = getattr(request.user, "timezone", None)
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))

    def finalize_response(self, request, response, *args, **kwargs):
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            timezone.deactivate()
