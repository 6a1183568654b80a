"""Logging in on the development server (`make run`: DJANGO_ENV=local, the debug toolbar, zeal
and Silk on), with a token header from an earlier login: it was a 500 (zeal saw the token
looked up twice, once to authenticate the caller and once to answer)."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

from testsupport.servers import ROOT, server_process


def post_login(base: str, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + "/api/auth/token/",
        data=json.dumps({"username": "admin", "password": "admin"}).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_logging_in_with_a_token_header_on_the_development_server(tmp_path):
    # given: the development settings as `make run` has them, on a database of its own
    env = {
        "DJANGO_SETTINGS_MODULE": "scheduler.settings",
        "DJANGO_ENV": "local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        **dict.fromkeys(["REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "DEBUG_TOOLBAR"], ""),
        **dict.fromkeys(["ZEAL", "SILK_ENABLED"], ""),
    }
    for command in (["migrate", "-v0"], ["ensure_demo_admin"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    with server_process(env) as base:
        status, first = post_login(base, {})
        assert status == 200
        # when: the client logs in again, sending the token it has, or a stale one
        with_token = post_login(base, {"Authorization": f"Token {first['token']}"})
        with_stale = post_login(base, {"Authorization": "Token 0123456789abcdef"})
    # then: a new token each time
    assert with_token[0] == 200
    assert with_stale[0] == 200
    assert with_token[1]["token"] != first["token"]
