"""What the project asks of django-silk: who may open it, which requests it records, and a
profiler decorator that is free without it. What Silk records is scrubbed by
scheduler.silk_recording (its middleware).

Imported by the settings (SILKY_PERMISSIONS, SILKY_INTERCEPT_FUNC): nothing here may touch
settings or models at import time.
"""

import random
import re
from functools import wraps

from django.conf import settings
from silk.config import SilkyConfig

SILK_MIDDLEWARE = "scheduler.silk_recording.RecordingMiddleware"
PROFILE_PERMISSION = "accounts.profile"  # "Can open the Silk profiler"
SAMPLED = "silk_sampled"  # the request's attribute that keeps should_record's draw

# Requests whose every part is a credential or hands one out: log in and out (the people's pages,
# the API, the admin), tokens, password
# changes, the calendar feed and its secret URL, the admin's login, logout, password pages and
# user forms, and any token admin. Prefixes, with or without their trailing slash.
NOT_RECORDED = re.compile(
    r"^/(?:"
    r"login|logout"
    r"|api/(?:auth|feeds|users/me/feed)"
    r"|admin/(?:login|logout|password_change"
    r"|accounts/user/(?:add|[^/]+/(?:change|password))"
    r"|authtoken|knox|accounts/authtoken)"
    r")(?:/|$)"
)


def may_profile(user) -> bool:
    """SILKY_PERMISSIONS: superusers, and staff given the "profile" permission. Silk shows SQL
    and bodies of everybody's requests: being staff is not enough."""
    if not user.is_active:
        return False
    return bool(user.is_superuser or (user.is_staff and user.has_perm(PROFILE_PERMISSION)))


def should_record(request) -> bool:
    """SILKY_INTERCEPT_FUNC: never the routes above, then a sample of the rest. Silk ignores
    SILKY_INTERCEPT_PERCENT once this is set, so the sampling is done here.

    Asked twice of a sampled request (the middleware asks before Silk runs, then Silk asks):
    the draw is kept on the request, so that both get the same answer."""
    if NOT_RECORDED.match(request.path_info):
        return False
    sampled = getattr(request, SAMPLED, None)
    if sampled is None:
        percent = SilkyConfig().SILKY_INTERCEPT_PERCENT
        sampled = percent >= 100 or random.random() * 100 < percent  # noqa: S311 - sampling
        setattr(request, SAMPLED, sampled)
    return sampled


def profiled(name: str):
    """Silk's Python profiler around a function when Silk is installed; nothing otherwise."""

    def decorate(function):
        if "silk" not in settings.INSTALLED_APPS:
            return function
        from silk.collector import DataCollector
        from silk.profiling.profiler import silk_profile

        profiled_function = silk_profile(name=name)(function)

        @wraps(function)
        def run(*args, **kwargs):
            # Only inside a request that Silk records (its collector holds it, per thread).
            # Silk's decorator builds and registers a profile on every call, and raises in a
            # thread where Silk's middleware never ran: unsampled requests do not enter it.
            if DataCollector().request is None:
                return function(*args, **kwargs)
            return profiled_function(*args, **kwargs)

        return run

    return decorate
