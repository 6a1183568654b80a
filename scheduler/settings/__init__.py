"""DJANGO_ENV picks the settings module: local (default), production or test.

Only when Django is pointed at this package itself (DJANGO_SETTINGS_MODULE=scheduler.settings);
a module named directly (pytest uses scheduler.settings.test) is loaded alone.
"""

import os

if os.environ.get("DJANGO_SETTINGS_MODULE", "scheduler.settings") == "scheduler.settings":
    # An empty DJANGO_ENV= (a blank line in an env file, `DJANGO_ENV= make run`) means the
    # default, as an unset one does.
    _env = os.environ.get("DJANGO_ENV") or "local"
    if _env == "production":
        from .production import *  # noqa: F403
    elif _env == "test":
        from .test import *  # noqa: F403
    elif _env == "local":
        from .local import *  # noqa: F403
    else:
        raise RuntimeError(f"Unknown DJANGO_ENV {_env!r}: use local, production or test.")
