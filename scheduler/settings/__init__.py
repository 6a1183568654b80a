"""DJANGO_ENV picks the settings module: local (default), production or test."""

import os

_env = os.environ.get("DJANGO_ENV", "local")

if _env == "production":
    from .production import *  # noqa: F403
elif _env == "test":
    from .test import *  # noqa: F403
elif _env == "local":
    from .local import *  # noqa: F403
else:
    raise RuntimeError(f"Unknown DJANGO_ENV {_env!r}: use local, production or test.")
