"""Django REST Framework and its OpenAPI schema."""

from ..env import env_int, env_str

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "scheduler.api.pagination.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
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
        "login": env_str("THROTTLE_LOGIN", "20/minute"),
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
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "scheduler.api.schema.add_error_responses",
    ],
}
