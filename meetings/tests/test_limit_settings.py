"""The limits README's table lists come from the environment, and default as it says."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("MEETING_MAX_DAYS", "INVITES_PER_REQUEST", "INVITES_PER_HOUR")
SHOW = f"""
import json, django
from django.conf import settings
django.setup()
print(json.dumps([getattr(settings, name) for name in {NAMES!r}]))
"""


def limits(**env) -> list[int]:
    clean = {k: v for k, v in os.environ.items() if k not in NAMES and k != "DJANGO_ENV"}
    clean.update(DJANGO_SETTINGS_MODULE="scheduler.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=clean, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, [31, 1000, 3000]),
        (
            {"MEETING_MAX_DAYS": "7", "INVITES_PER_REQUEST": "50", "INVITES_PER_HOUR": "200"},
            [7, 50, 200],
        ),
    ],
)
def test_the_limits_come_from_the_environment(env, expected):
    assert limits(**env) == expected
