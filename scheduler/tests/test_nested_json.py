"""JSON nested too deeply to parse is a 400 on every endpoint, never a 500: Python's json
module recurses once per level, and 100,000 `[` exhausted the stack."""

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from meetings.tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db
BRACKETS = "[" * 100_000
TOO_DEEP = {"detail": "JSON nested too deeply."}
ROOT = Path(__file__).resolve().parents[2]


def send(client, method, path, body=BRACKETS):
    return getattr(client, method)(path, data=body, content_type="application/json")


def test_anonymous_login_with_nested_json_is_a_400(anonymous):
    response = send(anonymous, "post", "/api/auth/token/")

    assert response.status_code == 400
    assert response.json() == TOO_DEEP


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/meetings/"),
        ("post", "/api/meetings/bulk/"),
        ("post", "/api/meetings/bulk-status/"),
        ("patch", "/api/users/me/"),
        ("patch", "/api/meetings/{id}/"),
        ("post", "/api/meetings/{id}/rsvp/"),
    ],
)
def test_logged_in_writes_with_nested_json_are_a_400(api_as, method, path):
    # given
    invitation = ParticipantFactory()
    client = api_as(invitation.meeting.created_by if method == "patch" else invitation.user)
    # when
    response = send(client, method, path.format(id=invitation.meeting_id))
    # then
    assert response.status_code == 400
    assert response.json() == TOO_DEEP


def test_a_cursor_of_nested_json_is_a_400(api_as):
    cursor = base64.urlsafe_b64encode(b"[" * 10_000).decode()

    response = api_as(UserFactory()).get("/api/meetings/", {"cursor": cursor})

    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor."]}


def test_no_endpoint_of_the_schema_answers_nested_json_with_a_500(api_as):
    # given: every operation that takes a body, called by someone allowed to, and anonymously
    invitation = ParticipantFactory()
    ids = {"id": invitation.meeting_id, "user_id": invitation.user_id, "delivery_id": 1}
    schema = SchemaGenerator().get_schema(request=None, public=True)
    writes = [
        (method, re.sub(r"\{([a-z_]+)\}", lambda name: str(ids[name[1]]), path))
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "patch")
    ]
    assert len(writes) >= 10
    for client in (api_as(invitation.meeting.created_by), APIClient()):
        for method, path in writes:
            # when
            response = send(client, method, path)
            # then: refused, or done without reading the body; never a server error
            assert response.status_code < 500, (method, path, response.status_code)


DEVELOPMENT_REQUESTS = """
import json, django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
body = "[" * 100_000
print(json.dumps([
    client.post(path, body, content_type="application/json").status_code
    for path in ("/api/auth/token/", "/api/meetings/")
]))
"""


def test_the_development_server_answers_nested_json_with_a_400_too(tmp_path):
    # given: `make run`'s settings (debug toolbar, Silk, zeal), from 127.0.0.1 as the toolbar
    # wants, on a database of its own
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_ENV", "DATABASE_URL", "REDIS_URL", "PYTEST_VERSION")
    }
    env.update(DJANGO_SETTINGS_MODULE="scheduler.settings", DATABASE_URL=f"sqlite:///{tmp_path}/d")
    # when
    result = subprocess.run(
        [sys.executable, "-c", DEVELOPMENT_REQUESTS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # then: the login's 400, and the list's 401 (the body is never read)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [400, 401]
