"""Settings come from the environment: each case starts a fresh interpreter with its own env."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARS = (
    "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
    "SITE_URL", "DEFAULT_FROM_EMAIL", "DB_TRANSACTION_POOLING", "DATABASE_REPLICA_URL",
    "DB_STATEMENT_TIMEOUT_MS",
)  # fmt: skip
REAL_SECRET = "k3y-" + "x9Qv7LmZp2Rt5Wn8Bc4Hj6Kd1Fs0Gy3Ua" * 2

SHOW_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "env": settings.DJANGO_ENV,
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "health_checks": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "toolbar": "debug_toolbar" in settings.INSTALLED_APPS,
    "token_cache": settings.TOKEN_CACHE_SECONDS,
}))
"""


def run(args, **env):
    clean = {
        k: v for k, v in os.environ.items() if k not in SERVICE_VARS and not k.startswith("EMAIL_")
    }
    clean.pop("DJANGO_ENV", None)
    clean["DJANGO_SETTINGS_MODULE"] = "scheduler.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def settings_for(**env) -> dict:
    result = run(["-c", SHOW_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_no_environment_it_runs_embedded():
    shown = settings_for()

    assert shown["env"] == "local"
    assert shown["debug"] is True
    assert shown["toolbar"] is True
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["db_name"].endswith("db.sqlite3")
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["eager"] is True


def test_service_urls_switch_backends_without_code_changes():
    shown = settings_for(
        DATABASE_URL="postgres://app@db.internal:5432/scheduler",
        REDIS_URL="redis://cache.internal:6379/1",
        CELERY_BROKER_URL="amqp://guest@mq.internal:5672//",
    )

    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["db_name"] == "scheduler"
    assert shown["cache"] == "scheduler.cache_backend.ResilientRedisCache"
    assert shown["eager"] is False
    assert shown["broker"] == "amqp://guest@mq.internal:5672//"


def test_production_keeps_checked_persistent_connections_and_no_toolbar():
    shown = settings_for(DJANGO_ENV="production", SECRET_KEY=REAL_SECRET, ALLOWED_HOSTS="a.test")

    assert shown["debug"] is False
    assert shown["toolbar"] is False
    assert shown["conn_max_age"] == 60
    assert shown["health_checks"] is True


@pytest.mark.parametrize(("redis", "seconds"), [("", 0), ("redis://cache.internal:6379/1", 300)])
def test_production_caches_tokens_only_in_a_cache_all_processes_share(redis, seconds):
    # A process's own memory would not hear of a token revoked by another process.
    env = {"DJANGO_ENV": "production", "SECRET_KEY": REAL_SECRET, "ALLOWED_HOSTS": "a.test"}

    shown = settings_for(**env, **({"REDIS_URL": redis} if redis else {}))

    assert shown["token_cache"] == seconds


def test_development_caches_tokens_in_its_one_process():
    assert settings_for()["token_cache"] == 300


FIND_SILK_STATIC = """
import django
django.setup()
from django.conf import settings
from django.contrib.staticfiles import finders
print(bool(finders.find("silk/css/components/fonts.css")), settings.SILK_ENABLED,
      "scheduler.silk_recording.RecordingMiddleware" in settings.MIDDLEWARE)
"""


def test_a_production_deployment_collects_silks_static_files_with_silk_off():
    # given: production as deployed, Silk off (its default), which is when collectstatic runs

    # when
    result = run(
        ["-c", FIND_SILK_STATIC],
        DJANGO_ENV="production",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="a.test",
        SITE_URL="https://a.test",
    )

    # then: Silk's files are collected, so that /silk/ works once SILK_ENABLED is turned on
    # (it was a 500: "Missing staticfiles manifest entry"), and nothing is recorded meanwhile
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "False"]


def test_production_passes_the_deploy_checklist():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="scheduler.example.com",
        SITE_URL="https://scheduler.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_checklist_catches_a_weak_production_setting():
    # The check must be able to fail: HSTS turned off is a warning, hence a failure.
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="scheduler.example.com",
        SITE_URL="https://scheduler.example.com",
        SECURE_HSTS_SECONDS="0",
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_the_deploy_checklist_fails_in_production_without_a_site_url():
    # given: production settings that pass otherwise, no SITE_URL (scheduler/checks.py)
    # when
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="scheduler.example.com",
    )

    # then
    assert result.returncode != 0
    assert "scheduler.E001" in result.stderr
    assert "SITE_URL is not set" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "a.test"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": REAL_SECRET}, "ALLOWED_HOSTS must be set"),
        ({"SECRET_KEY": REAL_SECRET, "ALLOWED_HOSTS": "a.test", "CONN_MAX_AGE": "1m"}, "integer"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(env, message):
    result = run(["-c", SHOW_SETTINGS], DJANGO_ENV="production", **env)

    assert result.returncode != 0
    assert message in result.stderr


def test_an_empty_django_env_means_the_default_like_an_unset_one():
    # given: DJANGO_ENV= as a blank line in an env file leaves it
    # when
    empty, unset = settings_for(DJANGO_ENV=""), settings_for()

    # then
    assert empty == unset
    assert empty["env"] == "local"


def test_a_misspelt_boolean_or_environment_is_an_error_not_a_guess():
    assert "not a boolean" in run(["-c", SHOW_SETTINGS], DEBUG="ture").stderr
    assert "Unknown DJANGO_ENV" in run(["-c", SHOW_SETTINGS], DJANGO_ENV="prod").stderr


TOOLBAR_CHECK = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve
try:
    resolve("/__debug__/render_panel/")
    routed = True
except Resolver404:
    routed = False
middleware = any("debug_toolbar" in m for m in settings.MIDDLEWARE)
status = Client(raise_request_exception=False).get("/__debug__/render_panel/").status_code
print(json.dumps({"routed": routed, "middleware": middleware, "status": status}))
"""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "true"}, {"routed": True, "middleware": True}),
        ({"DEBUG": "false"}, {"routed": False, "middleware": False, "status": 404}),
        (
            {
                "DJANGO_ENV": "production",
                "SECRET_KEY": REAL_SECRET,
                "SECURE_SSL_REDIRECT": "false",
            },
            {"routed": False, "middleware": False, "status": 404},
        ),
    ],
)
def test_the_debug_toolbar_exists_only_with_debug_on(env, expected):
    result = run(["-c", TOOLBAR_CHECK], ALLOWED_HOSTS="testserver", SILK_ENABLED="false", **env)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert {key: shown[key] for key in expected} == expected


SEND_MAIL = """
import json, django
django.setup()
from django.conf import settings
from django.core.mail import send_mail
sent = send_mail("Hello", "Sent through the configured backend.", None, ["paul@example.com"])
print(json.dumps({"backend": settings.EMAIL_BACKEND, "sent": sent}))
"""


def test_email_goes_out_by_smtp_once_email_host_is_set():
    # given: a mail server, and the variables the README names for it
    with SmtpSink() as smtp:
        # when
        result = run(
            ["-c", SEND_MAIL],
            EMAIL_HOST=smtp.host,
            EMAIL_PORT=str(smtp.port),
            EMAIL_HOST_USER="scheduler",
            EMAIL_HOST_PASSWORD="mail-secret",
            DEFAULT_FROM_EMAIL="Scheduler <noreply@example.com>",
        )

    # then: a real SMTP conversation, with the login, the sender and the recipient
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.splitlines()[-1])
    assert shown == {"backend": "django.core.mail.backends.smtp.EmailBackend", "sent": 1}
    assert smtp.commands == ["EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"]
    [mail] = smtp.received
    assert (mail.mail_from, mail.rcpt_to) == ("noreply@example.com", ["paul@example.com"])
    assert mail.login == ("scheduler", "mail-secret")
    assert mail.message["Subject"] == "Hello"
    assert mail.body == "Sent through the configured backend."


def test_without_email_host_mail_is_printed_and_email_backend_wins_either_way():
    # given / when
    console = run(["-c", SEND_MAIL])
    with SmtpSink() as smtp:
        chosen = run(
            ["-c", SEND_MAIL],
            EMAIL_HOST=smtp.host,
            EMAIL_PORT=str(smtp.port),
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )

    # then
    assert json.loads(console.stdout.splitlines()[-1])["backend"].endswith("console.EmailBackend")
    assert "Subject: Hello" in console.stdout
    assert json.loads(chosen.stdout)["backend"].endswith("locmem.EmailBackend")
    assert smtp.commands == []
