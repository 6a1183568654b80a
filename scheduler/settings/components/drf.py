"""Django REST Framework, its API tokens (django-rest-knox) and its OpenAPI schema."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from ..env import env_int, env_str


def _env_positive(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name}={value} must be 1 or more.")
    return value


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "scheduler.api.pagination.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "scheduler.api.negotiation.ContentNegotiation",
    # DRF's JSONParser, with a 400 instead of a 500 for JSON nested too deeply to parse.
    "DEFAULT_PARSER_CLASSES": ["scheduler.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "scheduler.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "scheduler.api.throttling.AnonRateThrottle",
        "scheduler.api.throttling.UserRateThrottle",
    ],
    # Generous for people clicking around; a script that hammers the API gets 429 + Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "300/hour"),
        "user": env_str("THROTTLE_USER", "10000/hour"),
        # Logins: every attempt per client address, and failed ones per username tried (from
        # any address), so that one account cannot guess another's password without limit.
        "login": env_str("THROTTLE_LOGIN", "20/minute"),
        "login_failures": env_str("THROTTLE_LOGIN_FAILURES", "10/hour"),
        "feed": env_str("THROTTLE_FEED", "120/hour"),  # per feed
        "feed_miss": env_str("THROTTLE_FEED_MISS", "20/hour"),  # wrong feed secrets per address
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles tell clients apart by address: trust X-Forwarded-For only as far as our own
    # proxies (0: not at all), or anyone could send a new address with each guess.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}

# What one organizer may write (README, "Limits"). Checked by the services, whoever calls them.
MEETING_MAX_DAYS = env_int("MEETING_MAX_DAYS", 31)  # a meeting lasts at most this long
# New invitations (each a notification and an e-mail) in one request, a bulk request's meetings
# all together: an all-hands of 500 (the most one meeting invites) and a team's year of weekly
# meetings (52 x 15) both fit. A 400 past it.
INVITES_PER_REQUEST = env_int("INVITES_PER_REQUEST", 1000)
# ... and per organizer and clock hour, counted in the shared cache across app servers; a 429
# with Retry-After past it. An all-hands and four breakouts of the same 500 people fit.
INVITES_PER_HOUR = env_int("INVITES_PER_HOUR", 3000)
# People told of an organizer's changes (a new time or place, a cancellation, a deletion, a
# withdrawn invitation) per clock hour: moving an all-hands of 500 ten times fits; toggling
# 500 such meetings' status in one bulk request (250,000 e-mails) does not. A 429 past it.
NOTICES_PER_HOUR = env_int("NOTICES_PER_HOUR", 5000)
# Occurrences a recurring meeting makes ahead: a bounded rule that makes more is refused (400);
# an unbounded one stops there, and five years ahead at the latest.
SERIES_MAX_OCCURRENCES = env_int("SERIES_MAX_OCCURRENCES", 1000)
# How long incremental sync keeps what it needs of deleted meetings: an older sync token is a
# 410 (full_sync_required), and tombstones a day older than that are deleted nightly.
SYNC_RETENTION_DAYS = _env_positive("SYNC_RETENTION_DAYS", 30)

# One token per login (a device or client), stored as a SHA-512 digest. It expires after
# TOKEN_TTL_HOURS without use; each use pushes the expiry back, written at most once a minute
# (MIN_REFRESH_INTERVAL) together with the token's last use. A login beyond
# TOKEN_LIMIT_PER_USER live tokens ends the least recently used one.
KNOX_TOKEN_MODEL = "accounts.AuthToken"  # noqa: S105 - a model, not a secret
# Knox's migrations would create a table for its own model, which ours replaces: an unused
# table that references users, and that Django's flush (transactional tests) does not know.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(hours=_env_positive("TOKEN_TTL_HOURS", 30 * 24)),
    "TOKEN_LIMIT_PER_USER": _env_positive("TOKEN_LIMIT_PER_USER", 20),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}
# A token seen a moment ago is kept in the cache with its user (accounts.cache), this long at
# most and never past its expiry; revocations reach it at once. 0: every request reads the
# database. Production turns it off without Redis (settings/production.py).
TOKEN_CACHE_SECONDS = env_int("TOKEN_CACHE_SECONDS", 300)

SPECTACULAR_SETTINGS = {
    "TITLE": "Scheduler API",
    "DESCRIPTION": "Meetings, invitations and answers, and notifications. Log in with "
    "POST /api/auth/token/ and send `Authorization: Token <token>`. Lists are keyset-paginated: "
    "follow `next` and `previous`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MeetingStatusEnum": "meetings.models.Meeting.Status",
        "ParticipantStatusEnum": "meetings.models.Participant.Status",
        "AnswerEnum": ["accepted", "declined", "tentative"],
        # created/updated/deleted: a sync item's `change`, a history entry's `action`
        "ChangeEnum": "meetings.changes.models.Change",
        "WebhookEventEnum": "webhooks.models.EventType",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "scheduler.api.schema.add_error_responses",
    ],
}
