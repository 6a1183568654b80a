"""django-silk: request and SQL profiling at /silk/ for superusers and staff allowed to profile,
sampled, bounded, and scrubbed of credentials.

Each environment module calls install_silk() at its end, after deciding SILK_ENABLED.
"""

from scheduler.silk import SILK_MIDDLEWARE, may_profile, should_record

from ..env import env_int

LOGIN_URL = "/admin/login/"  # where Silk sends people who are not logged in

SILKY_AUTHENTICATION = True
SILKY_AUTHORISATION = True
# Superusers, and staff with the permission accounts.profile ("Can open the Silk profiler").
SILKY_PERMISSIONS = may_profile
SILKY_MIDDLEWARE_CLASS = SILK_MIDDLEWARE  # Silk's profiler checks that it is installed
# Which requests are recorded: none that log in or out, change a password or show a secret
# (scheduler.silk.NOT_RECORDED), and a sample of the others (should_record reads the percent).
SILKY_INTERCEPT_FUNC = should_record
SILKY_INTERCEPT_PERCENT = env_int("SILK_SAMPLE_PERCENT", 100)
# Bounded, and trimmed by a periodic task (scheduler.tasks) rather than inside requests.
SILKY_MAX_RECORDED_REQUESTS = env_int("SILK_MAX_RECORDED_REQUESTS", 10_000)
SILKY_MAX_RECORDED_REQUESTS_CHECK_PERCENT = 0
SILKY_MAX_REQUEST_BODY_SIZE = 64 * 1024
SILKY_MAX_RESPONSE_BODY_SIZE = 64 * 1024
SILKY_META = False
# Silk stores SQL with its parameters filled in, request bodies and response bodies. Nothing
# that could log someone in may end up there: the routes above are not recorded, session and
# token tables are left out of the SQL it keeps (a substring of the statement), and the
# middleware scrubs the rest by key, shape and value (scheduler.silk_scrub).
SILKY_IGNORE_PATHS = ["/healthz/"]  # exact paths only
SILKY_IGNORE_QUERIES = ['"django_session"', '"accounts_authtoken"']
SILKY_HIDE_COOKIES = True
# Parts of names (JSON and form keys, query parameters, headers) whose values are masked.
# Not Silk's default "username": a name is no credential, and staff who profile see them anyway.
SILKY_SENSITIVE_KEYS = {
    "api",
    "token",
    "key",
    "secret",
    "password",
    "signature",
    "authorization",
    "cookie",
    "csrf",
    "session",
    "digest",
}
SILKY_PYTHON_PROFILER = False  # on the views that ask for it, with @profiled


def install_silk(installed_apps: list, middleware: list, *, enabled: bool) -> None:
    # The app always: its tables are migrated and its static files collected on every
    # deployment, so that turning SILK_ENABLED on later needs neither (it was a 500 at /silk/
    # when collectstatic had run without it). It records, and /silk/ exists, only when enabled.
    if "silk" not in installed_apps:
        installed_apps.append("silk")
    if enabled and SILK_MIDDLEWARE not in middleware:
        # After authentication, so that Silk can tell staff from others.
        at = authentication_index(middleware) + 1
        middleware.insert(at, SILK_MIDDLEWARE)


def authentication_index(middleware: list) -> int:
    """Where Django's AuthenticationMiddleware (or ours, scheduler.browser_middleware) is."""
    names = [name.rsplit(".", 1)[-1] for name in middleware]
    return names.index("AuthenticationMiddleware")
