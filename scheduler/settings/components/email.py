"""E-mail: sent by SMTP once EMAIL_HOST names a server, printed to the console until then.

EMAIL_BACKEND, when set, wins either way (a file-based or in-memory backend, or a provider's).
"""

from ..env import env_bool, env_int, env_str

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"

EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    SMTP_BACKEND if env_str("EMAIL_HOST") else CONSOLE_BACKEND
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, usually on port 465
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Scheduler <scheduler@localhost>")
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", "scheduler.local")
# Where people open the site; links in e-mails start with it (required in production).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
