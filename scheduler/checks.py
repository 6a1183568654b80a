"""Deploy checks (`manage.py check --deploy`) for settings Django's own checklist cannot know."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from scheduler.db import replica

SITE_URL_HINT = (
    "Set SITE_URL to the address people open the site at, such as "
    "https://scheduler.example.com: every link in the e-mails starts with it."
)


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs) -> list[Error]:
    """In production, e-mailed links must reach the site, over HTTPS (unless DEBUG)."""
    if settings.DJANGO_ENV != "production":
        return []
    url = settings.SITE_URL
    if not url:
        return [Error("SITE_URL is not set.", hint=SITE_URL_HINT, id="scheduler.E001")]
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        message = f"SITE_URL={url!r} is not an absolute http(s) address."
        return [Error(message, hint=SITE_URL_HINT, id="scheduler.E002")]
    if parts.scheme != "https" and not settings.DEBUG:
        message = f"SITE_URL={url!r} is not https: e-mailed links would go out in clear."
        return [Error(message, hint=SITE_URL_HINT, id="scheduler.E003")]
    return []


@register(Tags.caches, deploy=True)
def check_release_id(app_configs, **kwargs) -> list[Error]:
    """In production, cached answers must be told apart by release: without a RELEASE_ID (git
    could not say the commit), the next deploy would serve this one's JSON for minutes."""
    if settings.DJANGO_ENV != "production" or settings.RELEASE_ID != "unreleased":
        return []
    return [
        Error(
            "RELEASE_ID is not set and git could not tell the commit.",
            hint="Set RELEASE_ID to a name of this release (the commit, a version): cached "
            "answers are kept per release.",
            id="scheduler.E004",
        )
    ]


@register()
def check_replica_window(app_configs, **kwargs) -> list[Error]:
    """A replica is used only if it was at most REPLICA_MAX_LAG_SECONDS behind when last
    measured, at most REPLICA_CHECK_SECONDS ago: a write older than both is on it. A shorter
    read-your-writes window could show someone the replica's copy from before their write."""
    if not replica.replica_configured():
        return []
    errors = []
    needed = settings.REPLICA_MAX_LAG_SECONDS + settings.REPLICA_CHECK_SECONDS
    if needed > settings.READ_YOUR_WRITES_SECONDS:
        errors.append(
            Error(
                f"READ_YOUR_WRITES_SECONDS={settings.READ_YOUR_WRITES_SECONDS:g} is shorter than "
                f"REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS ({needed:g}).",
                hint="Raise it, or lower the other two: people could read the replica's copy "
                "from before their own write.",
                id="scheduler.E005",
            )
        )
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        errors.append(
            Error(
                "DATABASE_REPLICA_URL needs REDIS_URL: who wrote a moment ago is remembered in "
                "the cache, which every app server must share.",
                id="scheduler.E006",
            )
        )
    return errors
