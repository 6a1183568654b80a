"""Development on one machine: DEBUG on and the debug toolbar for INTERNAL_IPS."""

from .base import *  # noqa: F403
from .env import env_bool

# Copies: the lists below are changed in place, and base's must stay as they are.
INSTALLED_APPS = list(INSTALLED_APPS)  # noqa: F405
MIDDLEWARE = list(MIDDLEWARE)  # noqa: F405

DEBUG = env_bool("DEBUG", True)
INTERNAL_IPS = ["127.0.0.1"]

if DEBUG and env_bool("DEBUG_TOOLBAR", True):
    INSTALLED_APPS += ["debug_toolbar"]  # noqa: F405
    MIDDLEWARE.insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")  # noqa: F405

# N+1 lazy loads raise in development (django-zeal, installed from requirements-dev.txt).
if env_bool("ZEAL", True):
    INSTALLED_APPS += ["zeal"]  # noqa: F405
    MIDDLEWARE.append("zeal.middleware.zeal_middleware")  # noqa: F405
    ZEAL_ALLOWLIST = [
        {"model": "accounts.User", "field": "get()"},
        # A request loads its session by key; logging out and changing one's password delete it,
        # which gets it again: zeal puts both on the same middleware line and calls it an N+1.
        {"model": "sessions.Session", "field": "get()"},
        {"model": "silk.*", "field": "*"},  # Silk's own pages are not ours to fix
    ]  # see settings/test.py

install_silk(INSTALLED_APPS, MIDDLEWARE, enabled=SILK_ENABLED)  # noqa: F405

# Serve static files straight from the apps, no collectstatic needed in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
