"""Deploy checks (`manage.py check --deploy`) for settings Django's own checklist cannot know."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

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
