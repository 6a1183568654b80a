"""What the project asks of django-silk, and a profiler decorator that is free without it.

Imported by the settings (SILKY_PERMISSIONS): nothing here may touch settings at import time.
"""

from functools import wraps

from django.conf import settings

SILK_MIDDLEWARE = "silk.middleware.SilkyMiddleware"


PROFILE_PERMISSION = "accounts.profile"  # "Can open the Silk profiler"


def may_profile(user) -> bool:
    """SILKY_PERMISSIONS: superusers, and staff given the "profile" permission. Silk shows SQL
    and bodies of everybody's requests: being staff is not enough."""
    if not user.is_active:
        return False
    return bool(user.is_superuser or (user.is_staff and user.has_perm(PROFILE_PERMISSION)))


def profiled(name: str):
    """Silk's Python profiler around a function when Silk is installed; nothing otherwise."""

    def decorate(function):
        if "silk" not in settings.INSTALLED_APPS:
            return function
        from silk.profiling.profiler import silk_profile

        profiled_function = silk_profile(name=name)(function)

        @wraps(function)
        def run(*args, **kwargs):
            if SILK_MIDDLEWARE not in settings.MIDDLEWARE:  # installed, not recording
                return function(*args, **kwargs)
            return profiled_function(*args, **kwargs)

        return run

    return decorate
