"""What the project asks of django-silk, and a profiler decorator that is free without it.

Imported by the settings (SILKY_PERMISSIONS): nothing here may touch settings at import time.
"""

from functools import wraps

from django.conf import settings

SILK_MIDDLEWARE = "silk.middleware.SilkyMiddleware"


def is_staff(user) -> bool:
    """SILKY_PERMISSIONS: only staff see Silk's pages."""
    return bool(user.is_active and user.is_staff)


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
