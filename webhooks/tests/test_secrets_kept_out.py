"""The signing secret is handed out in two answers (create, rotate-secret) and kept nowhere
else: not in what Silk records (bodies, headers, SQL), not in logs."""

import logging
import socket

import pytest
from silk.config import SilkyConfig

from accounts.tests.factories import UserFactory
from scheduler.tests.test_silk import silk_on  # noqa: F401 - a fixture
from scheduler.tests.test_silk_secrets import every_text_silk_keeps
from webhooks.models import Subscription

pytestmark = pytest.mark.django_db

PUBLIC = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]


@pytest.fixture
def every_request_recorded(silk_on):  # noqa: F811 - the fixture above
    config = SilkyConfig()
    saved = config.SILKY_INTERCEPT_FUNC, config.SILKY_INTERCEPT_PERCENT
    config.SILKY_INTERCEPT_FUNC, config.SILKY_INTERCEPT_PERCENT = (lambda request: True), 100
    yield
    config.SILKY_INTERCEPT_FUNC, config.SILKY_INTERCEPT_PERCENT = saved


def test_silk_and_the_logs_keep_no_webhook_secret(
    every_request_recorded, api_as, monkeypatch, caplog
):
    # given
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: PUBLIC)
    api = api_as(UserFactory(username="ada"))
    caplog.set_level(logging.DEBUG)
    # when: a webhook is made, read, listed and its secret rotated
    made = api.post(
        "/api/webhooks/", {"url": "https://hooks.example.com/in", "events": ["meeting.rsvp"]}
    ).json()
    rotated = api.post(f"/api/webhooks/{made['id']}/rotate-secret/").json()
    api.get(f"/api/webhooks/{made['id']}/")
    api.get("/api/webhooks/")
    # then
    secrets = {made["secret"], rotated["secret"], Subscription.objects.get().secret}
    assert len(secrets) == 2
    kept = every_text_silk_keeps()
    for secret in secrets:
        for body in (secret, secret.removeprefix("whsec_")):
            leaks = [where for where, text in kept.items() if body in text]
            assert leaks == [], f"the secret is in {leaks}"
            assert body not in caplog.text
    assert kept, "Silk recorded nothing: the test would prove nothing"
