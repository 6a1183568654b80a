"""Development on one machine: DEBUG on and the debug toolbar for INTERNAL_IPS."""

from debug_toolbar.settings import PANELS_DEFAULTS

from .base import *  # noqa: F403
from .env import env_bool

# Copies: the lists below are changed in place, and base's must stay as they are.
INSTALLED_APPS = list(INSTALLED_APPS)  # noqa: F405
MIDDLEWARE = list(MIDDLEWARE)  # noqa: F405

DEBUG = env_bool("DEBUG", True)
INTERNAL_IPS = ["127.0.0.1"]
# Webhooks to a receiver on this machine, over plain http, while developing.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)

if DEBUG and env_bool("DEBUG_TOOLBAR", True):
    INSTALLED_APPS += ["debug_toolbar"]  # noqa: F405
    # Just inside RequestCostMiddleware, which then sees the toolbar's Server-Timing entries
    # and adds its own in front (the toolbar, outermost, replaced the app's header with its
    # own). The app's total then includes the toolbar's own work, in development only.
    _cost = "scheduler.middleware.RequestCostMiddleware"
    _at = MIDDLEWARE.index(_cost) + 1 if _cost in MIDDLEWARE else 0
    MIDDLEWARE.insert(_at, "debug_toolbar.middleware.DebugToolbarMiddleware")
    # Collapsed to its handle until opened: expanded, it covers the admin's filters.
    DEBUG_TOOLBAR_CONFIG = {"SHOW_COLLAPSED": True}
    # Without the history panel, which reads a JSON body again with json.loads and lets its
    # RecursionError out: nested JSON (100,000 `[`) was a 500 here whatever the API answered.
    DEBUG_TOOLBAR_PANELS = [p for p in PANELS_DEFAULTS if not p.endswith(".HistoryPanel")]

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
