"""The README's token and login variables reach the settings (each case a fresh interpreter)."""

import json
import os
import subprocess
import sys

import pytest

from testsupport.servers import ROOT

SHOW = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "ttl_hours": settings.REST_KNOX["TOKEN_TTL"].total_seconds() / 3600,
    "limit": settings.REST_KNOX["TOKEN_LIMIT_PER_USER"],
    "failures": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login_failures"],
    "login": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"],
}))
"""
NAMES = ("TOKEN_TTL_HOURS", "TOKEN_LIMIT_PER_USER", "THROTTLE_LOGIN_FAILURES", "THROTTLE_LOGIN")


def run(**env):
    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    clean.update(DJANGO_SETTINGS_MODULE="scheduler.settings", DJANGO_ENV="local", **env)
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_the_defaults_are_the_readmes():
    shown = json.loads(run().stdout)

    assert shown == {"ttl_hours": 720, "limit": 20, "failures": "10/hour", "login": "20/minute"}


def test_each_variable_sets_its_setting():
    result = run(
        TOKEN_TTL_HOURS="24",
        TOKEN_LIMIT_PER_USER="5",
        THROTTLE_LOGIN_FAILURES="5/hour",
        THROTTLE_LOGIN="3/minute",
    )

    assert json.loads(result.stdout) == {
        "ttl_hours": 24,
        "limit": 5,
        "failures": "5/hour",
        "login": "3/minute",
    }


@pytest.mark.parametrize("env", [{"TOKEN_TTL_HOURS": "0"}, {"TOKEN_LIMIT_PER_USER": "-1"}])
def test_a_nonsense_value_is_an_error_not_a_guess(env):
    result = run(**env)

    assert result.returncode != 0
    assert next(iter(env)) in result.stderr
