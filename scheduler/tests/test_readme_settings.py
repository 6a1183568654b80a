"""The README's configuration tables tell the truth: every variable they list does what its row
says, in a separate interpreter that loads the settings afresh from each environment alone.

A variable listed there and unknown to CASES below is still checked: set to its row's example
value, it must change some setting. A listed variable that changes nothing fails.
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scheduler.silk import SILK_MIDDLEWARE

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k3y-" + "x9Qv7LmZp2Rt5Wn8Bc4Hj6Kd1Fs0Gy3Ua" * 2,
    "ALLOWED_HOSTS": "scheduler.example.com",
    "SITE_URL": "https://scheduler.example.com",
}

# One interpreter for every environment: each job sets its environment (nothing else), loads the
# settings package afresh, as `DJANGO_SETTINGS_MODULE=scheduler.settings` does, and reads it.
SHOW = """
import importlib, json, os, sys
from django.conf import global_settings

base = dict(os.environ)

def resolve(settings, path):
    name, *parts = path.split(".")
    value = getattr(settings if hasattr(settings, name) else global_settings, name)
    for part in parts:
        value = value[part]
    return value

def load(env, paths):
    os.environ.clear()
    os.environ.update(base, **env)
    for name in [m for m in sys.modules if m.split(".")[:2] == ["scheduler", "settings"]]:
        del sys.modules[name]
    try:
        settings = importlib.import_module("scheduler.settings")
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}
    return {
        "paths": {path: resolve(settings, path) for path in paths},
        "snapshot": {k: repr(getattr(settings, k)) for k in dir(settings) if k.isupper()},
    }

jobs = json.load(sys.stdin)
print(json.dumps([load(job["env"], job["paths"]) for job in jobs], default=repr))
"""


def documented_variables() -> dict[str, str]:
    """{variable: its row's example cell} for each row of every README table headed Variable."""
    found, in_table = {}, False
    for line in README.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            in_table = False
        elif cells[0] == "Variable":
            in_table = True
        elif in_table and not set(cells[0]) <= set("-: "):
            for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
                found[name] = cells[-1]
    return found


@dataclass
class Case:
    """With `env` set (on top of `base`), each setting path in `expect` has that value (or passes
    that predicate); without it, the values in `default`."""

    env: dict[str, str]
    expect: dict[str, Any]
    default: dict[str, Any] = field(default_factory=dict)
    base: dict[str, str] = field(default_factory=dict)
    refused: tuple[dict[str, str], str] | None = None  # an environment that must not start


def _commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return found.stdout.strip() if found.returncode == 0 else "unreleased"


def _sqlite_file(name: str) -> bool:
    return name == str(ROOT / "db.sqlite3")


CASES: dict[str, Case] = {
    "DATABASE_URL": Case(
        {"DATABASE_URL": "postgres://app:secret@db:5432/scheduler"},
        expect={
            "DATABASES.default.ENGINE": "django.db.backends.postgresql",
            "DATABASES.default.HOST": "db",
            "DATABASES.default.NAME": "scheduler",
        },
        default={"DATABASES.default.ENGINE": "django.db.backends.sqlite3",
                 "DATABASES.default.NAME": _sqlite_file},
    ),  # fmt: skip
    "DB_TRANSACTION_POOLING": Case(
        {"DB_TRANSACTION_POOLING": "true", "DB_STATEMENT_TIMEOUT_MS": "5000"},
        base={"DATABASE_URL": "postgres://app:secret@pgbouncer:6432/scheduler",
              "DB_STATEMENT_TIMEOUT_MS": "0"},
        expect={
            "DATABASES.default.ENGINE": "scheduler.db.pooled",
            "DATABASES.default.DISABLE_SERVER_SIDE_CURSORS": True,
            "DATABASES.default.TRANSACTION_SETTINGS": {"statement_timeout": "5000"},
            "DATABASES.default.OPTIONS": {"connect_timeout": 5},
        },
        default={
            "DATABASES.default.ENGINE": "django.db.backends.postgresql",
            "DATABASES.default.DISABLE_SERVER_SIDE_CURSORS": False,
            "DATABASES.default.TRANSACTION_SETTINGS": {},
            "DATABASES.default.OPTIONS": {"connect_timeout": 5, "options": "-c jit=off"},
        },
    ),
    "DATABASE_REPLICA_URL": Case(
        {"DATABASE_REPLICA_URL": "postgres://app:secret@replica:5432/scheduler"},
        base={"DATABASE_URL": "postgres://app:secret@db:5432/scheduler"},
        expect={
            "DATABASES": lambda databases: (databases["replica"]["HOST"], databases["replica"]
                                            ["NAME"]) == ("replica", "scheduler"),
            "DATABASE_ROUTERS": ["scheduler.db.replica.ReplicaRouter"],
        },
        default={"DATABASES": lambda databases: set(databases) == {"default"},
                 "DATABASE_ROUTERS": []},
        refused=(
            {**PRODUCTION, "DATABASE_URL": "postgres://app:secret@db:5432/scheduler",
             "DATABASE_REPLICA_URL": "postgres://app:secret@replica:5432/scheduler"},
            "DATABASE_REPLICA_URL needs REDIS_URL",
        ),
    ),
    "READ_YOUR_WRITES_SECONDS": Case(
        {"READ_YOUR_WRITES_SECONDS": "10"},
        expect={"READ_YOUR_WRITES_SECONDS": 10.0},
        default={"READ_YOUR_WRITES_SECONDS": 5.0},
        refused=(
            {"DATABASE_URL": "postgres://app:secret@db:5432/scheduler",
             "DATABASE_REPLICA_URL": "postgres://app:secret@replica:5432/scheduler",
             "READ_YOUR_WRITES_SECONDS": "2.5"},
            "READ_YOUR_WRITES_SECONDS=2.5 is shorter than",
        ),
    ),
    "REDIS_URL": Case(
        {"REDIS_URL": "redis://cache:6379/1"},
        expect={
            "CACHES.default.BACKEND": "scheduler.cache_backend.ResilientRedisCache",
            "CACHES.default.LOCATION": "redis://cache:6379/1",
        },
        default={"CACHES.default.BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    ),
    "CELERY_BROKER_URL": Case(
        {"CELERY_BROKER_URL": "amqp://guest@mq:5672//"},
        expect={"CELERY_BROKER_URL": "amqp://guest@mq:5672//", "CELERY_TASK_ALWAYS_EAGER": False},
        default={"CELERY_TASK_ALWAYS_EAGER": True},
    ),
    "DJANGO_ENV": Case(
        PRODUCTION,
        expect={"DJANGO_ENV": "production", "DEBUG": False, "SECURE_SSL_REDIRECT": True},
        default={"DJANGO_ENV": "local"},
    ),
    "SECRET_KEY": Case(
        {"SECRET_KEY": PRODUCTION["SECRET_KEY"]},
        expect={"SECRET_KEY": PRODUCTION["SECRET_KEY"]},
        default={"SECRET_KEY": lambda key: key.startswith("django-insecure-")},
        refused=({**PRODUCTION, "SECRET_KEY": ""}, "SECRET_KEY must be set"),
    ),
    "DEBUG": Case(
        {"DEBUG": "false"},
        expect={"DEBUG": False},
        default={"DEBUG": True},
        refused=({"DEBUG": "ture"}, "not a boolean"),
    ),
    "ALLOWED_HOSTS": Case(
        {"ALLOWED_HOSTS": "a.example.com, b.example.com"},
        expect={"ALLOWED_HOSTS": ["a.example.com", "b.example.com"]},
        default={"ALLOWED_HOSTS": ["127.0.0.1", "localhost"]},
        refused=({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
    ),
    "SITE_URL": Case(
        {"SITE_URL": "https://scheduler.example.com/"},
        expect={"SITE_URL": "https://scheduler.example.com"},
        default={"SITE_URL": "http://127.0.0.1:8000"},
    ),
    "EMAIL_HOST": Case(
        {"EMAIL_HOST": "smtp.example.com"},
        expect={
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "smtp.example.com",
        },
        default={"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
    ),
    "EMAIL_PORT": Case(
        {"EMAIL_PORT": "587"}, expect={"EMAIL_PORT": 587}, default={"EMAIL_PORT": 25}
    ),
    "EMAIL_HOST_USER": Case(
        {"EMAIL_HOST_USER": "scheduler"},
        expect={"EMAIL_HOST_USER": "scheduler"},
        default={"EMAIL_HOST_USER": ""},
    ),
    "EMAIL_HOST_PASSWORD": Case(
        {"EMAIL_HOST_PASSWORD": "secret"},
        expect={"EMAIL_HOST_PASSWORD": "secret"},
        default={"EMAIL_HOST_PASSWORD": ""},
    ),
    "EMAIL_USE_TLS": Case(
        {"EMAIL_USE_TLS": "true"}, expect={"EMAIL_USE_TLS": True}, default={"EMAIL_USE_TLS": False}
    ),
    "EMAIL_USE_SSL": Case(
        {"EMAIL_USE_SSL": "true"}, expect={"EMAIL_USE_SSL": True}, default={"EMAIL_USE_SSL": False}
    ),
    "EMAIL_BACKEND": Case(
        {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"},
        base={"EMAIL_HOST": "smtp.example.com"},  # it wins over EMAIL_HOST
        expect={"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"},
        default={"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"},
    ),
    "DEFAULT_FROM_EMAIL": Case(
        {"DEFAULT_FROM_EMAIL": "Scheduler <noreply@example.com>"},
        expect={"DEFAULT_FROM_EMAIL": "Scheduler <noreply@example.com>"},
        default={"DEFAULT_FROM_EMAIL": "Scheduler <scheduler@localhost>"},
    ),
    "MEETING_MAX_DAYS": Case(
        {"MEETING_MAX_DAYS": "7"}, expect={"MEETING_MAX_DAYS": 7}, default={"MEETING_MAX_DAYS": 31}
    ),
    "INVITES_PER_REQUEST": Case(
        {"INVITES_PER_REQUEST": "200"},
        expect={"INVITES_PER_REQUEST": 200},
        default={"INVITES_PER_REQUEST": 1000},
    ),
    "INVITES_PER_HOUR": Case(
        {"INVITES_PER_HOUR": "600"},
        expect={"INVITES_PER_HOUR": 600},
        default={"INVITES_PER_HOUR": 3000},
    ),
    "NOTICES_PER_HOUR": Case(
        {"NOTICES_PER_HOUR": "1000"},
        expect={"NOTICES_PER_HOUR": 1000},
        default={"NOTICES_PER_HOUR": 5000},
    ),
    "TOKEN_TTL_HOURS": Case(
        {"TOKEN_TTL_HOURS": "24"},
        expect={"REST_KNOX.TOKEN_TTL": "datetime.timedelta(days=1)"},
        default={"REST_KNOX.TOKEN_TTL": "datetime.timedelta(days=30)"},
    ),
    "TOKEN_LIMIT_PER_USER": Case(
        {"TOKEN_LIMIT_PER_USER": "5"},
        expect={"REST_KNOX.TOKEN_LIMIT_PER_USER": 5},
        default={"REST_KNOX.TOKEN_LIMIT_PER_USER": 20},
    ),
    "TOKEN_CACHE_SECONDS": Case(
        {"TOKEN_CACHE_SECONDS": "0"},
        expect={"TOKEN_CACHE_SECONDS": 0},
        default={"TOKEN_CACHE_SECONDS": 300},
    ),
    "THROTTLE_LOGIN_FAILURES": Case(
        {"THROTTLE_LOGIN_FAILURES": "5/hour"},
        expect={"REST_FRAMEWORK.DEFAULT_THROTTLE_RATES.login_failures": "5/hour"},
        default={"REST_FRAMEWORK.DEFAULT_THROTTLE_RATES.login_failures": "10/hour"},
    ),
    "SERIES_MAX_OCCURRENCES": Case(
        {"SERIES_MAX_OCCURRENCES": "500"},
        expect={"SERIES_MAX_OCCURRENCES": 500},
        default={"SERIES_MAX_OCCURRENCES": 1000},
    ),
    "SILK_ENABLED": Case(
        {"SILK_ENABLED": "true"},
        base=PRODUCTION,
        expect={"SILK_ENABLED": True, "MIDDLEWARE": lambda chain: SILK_MIDDLEWARE in chain},
        default={"SILK_ENABLED": False, "MIDDLEWARE": lambda chain: SILK_MIDDLEWARE not in chain},
    ),
    "SILK_SAMPLE_PERCENT": Case(
        {"SILK_SAMPLE_PERCENT": "1"},
        base=PRODUCTION,
        expect={"SILKY_INTERCEPT_PERCENT": 1},
        default={"SILKY_INTERCEPT_PERCENT": 10},
    ),
    "SILK_MAX_RECORDED_REQUESTS": Case(
        {"SILK_MAX_RECORDED_REQUESTS": "2000"},
        base=PRODUCTION,
        expect={"SILKY_MAX_RECORDED_REQUESTS": 2000},
        default={"SILKY_MAX_RECORDED_REQUESTS": 10_000},
    ),
    "RELEASE_ID": Case(
        {"RELEASE_ID": "2026.11.30-1"},
        expect={"RELEASE_ID": "2026.11.30-1"},
        default={"RELEASE_ID": lambda release: release == _commit()},
    ),
}  # fmt: skip
DOCUMENTED = documented_variables()


def load_settings(jobs: list[tuple[dict[str, str], set[str]]]) -> list[dict]:
    """For each (environment, setting paths): the paths' values and every setting's repr, or the
    error that refused the environment. Nothing documented is inherited from ours."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if name not in DOCUMENTED and name not in CASES and not name.startswith("DJANGO_")
    }
    clean["DJANGO_SETTINGS_MODULE"] = "scheduler.settings"
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        input=json.dumps([{"env": env, "paths": sorted(paths)} for env, paths in jobs]),
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_values(shown: dict, expected: dict[str, Any | Callable[[Any], bool]], context: str):
    for path, want in expected.items():
        got = shown["paths"][path]
        ok = want(got) if callable(want) else got == want
        assert ok, f"{context}: {path} is {got!r}, expected {want!r}"


def test_the_readme_lists_its_variables_in_tables():
    # given / when / then: the parser finds the rows (an empty table would pass every check)
    assert {"DATABASE_URL", "DJANGO_ENV", "EMAIL_HOST", "SITE_URL"} <= set(DOCUMENTED)


def test_every_variable_checked_here_is_in_the_readme():
    # given / when
    undocumented = set(CASES) - set(DOCUMENTED)

    # then: a setting read from the environment is documented where settings are
    assert not undocumented, f"add a README row for {sorted(undocumented)}"


def _jobs() -> dict[tuple[str, str], tuple[dict[str, str], set[str]]]:
    jobs = {}
    for name, case in CASES.items():
        paths = {*case.expect, *case.default}
        jobs[name, "unset"] = (case.base, paths)
        jobs[name, "set"] = ({**case.base, **case.env}, paths)
        if case.refused:
            jobs[name, "refused"] = (case.refused[0], set())
    for name in set(DOCUMENTED) - set(CASES):
        example = re.findall(r"`([^`]+)`", DOCUMENTED[name])
        for where, base in (("local", {}), ("production", PRODUCTION)):
            jobs[name, f"{where} unset"] = (base, set())
            if example:
                jobs[name, f"{where} set"] = ({**base, name: example[0]}, set())
    return jobs


@pytest.fixture(scope="module")
def loaded() -> dict[tuple[str, str], dict]:
    jobs = _jobs()
    return dict(zip(jobs, load_settings(list(jobs.values())), strict=True))


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_each_readme_variable_does_what_its_row_says(name, loaded):
    if name in CASES:
        _does_what_the_case_says(name, CASES[name], loaded)
    else:
        _changes_some_setting(name, loaded)


def _does_what_the_case_says(name: str, case: Case, loaded: dict) -> None:
    # given / when: the settings loaded without and with the variable
    unset, shown = loaded[name, "unset"], loaded[name, "set"]

    # then
    assert "error" not in unset, unset
    assert "error" not in shown, shown
    assert_values(unset, case.default, f"{name} unset")
    assert_values(shown, case.expect, f"{name}={case.env.get(name)!r}")
    if case.refused:
        refused = loaded[name, "refused"]
        assert "error" in refused, f"{name}: {case.refused[0]} was accepted"
        assert case.refused[1] in refused["error"]


def _changes_some_setting(name: str, loaded: dict) -> None:
    # given: set to the first value the row's example column gives, in development and in
    # production (some are read there only)
    assert (name, "local set") in loaded, (
        f"{name}: give its README row an example value, or a case in CASES here"
    )

    # when
    changed = []
    for where in ("local", "production"):
        unset, shown = loaded[name, f"{where} unset"], loaded[name, f"{where} set"]
        assert "error" not in unset, unset
        assert "error" not in shown, shown
        snapshot = unset["snapshot"]
        changed += [key for key, value in shown["snapshot"].items() if snapshot.get(key) != value]

    # then
    assert changed, f"{name} set to its README example changes no setting: the row says it does"
