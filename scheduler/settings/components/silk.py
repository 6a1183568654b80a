"""django-silk: request and SQL profiling for staff at /silk/, sampled, bounded, and scrubbed.

Each environment module calls install_silk() at its end, after deciding SILK_ENABLED.
"""

from scheduler.silk import may_profile

from ..env import env_int

LOGIN_URL = "/admin/login/"  # where Silk sends people who are not logged in

SILKY_AUTHENTICATION = True
SILKY_AUTHORISATION = True
# Superusers, and staff with the permission accounts.profile ("Can open the Silk profiler").
SILKY_PERMISSIONS = may_profile
SILKY_INTERCEPT_PERCENT = env_int("SILK_SAMPLE_PERCENT", 100)
# Bounded, and trimmed by a periodic task (scheduler.tasks) rather than inside requests.
SILKY_MAX_RECORDED_REQUESTS = env_int("SILK_MAX_RECORDED_REQUESTS", 10_000)
SILKY_MAX_RECORDED_REQUESTS_CHECK_PERCENT = 0
SILKY_MAX_REQUEST_BODY_SIZE = 64 * 1024
SILKY_MAX_RESPONSE_BODY_SIZE = 64 * 1024
SILKY_META = False
# Silk stores SQL with its parameters filled in, request bodies and response bodies. Nothing
# that could log someone in may end up there: no login requests at all, no session or token
# lookups, and masked credentials in headers and bodies.
SILKY_IGNORE_PATHS = ["/api/auth/token/", "/admin/login/", "/admin/logout/", "/healthz/"]
SILKY_IGNORE_QUERIES = ['"django_session"', '"authtoken_token"']
SILKY_HIDE_COOKIES = True
SILKY_SENSITIVE_KEYS = {
    "username",
    "api",
    "token",
    "key",
    "secret",
    "password",
    "signature",
    "authorization",
    "cookie",
    "csrfmiddlewaretoken",
    "sessionid",
}
SILKY_PYTHON_PROFILER = False  # on the views that ask for it, with @profiled


def install_silk(installed_apps: list, middleware: list, *, enabled: bool) -> None:
    if enabled and "silk" not in installed_apps:
        installed_apps.append("silk")
        # After authentication, so that Silk can tell staff from others.
        at = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
        middleware.insert(at, "silk.middleware.SilkyMiddleware")
