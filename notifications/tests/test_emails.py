"""E-mail goes out by SMTP to a real (test) server, and links to a page the reader can open."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client

from accounts.tests.factories import UserFactory
from meetings.services.lifecycle import meeting_create
from meetings.services.participants import participant_remove
from testsupport.smtp import SmtpSink

pytestmark = pytest.mark.django_db
SITE = "https://scheduler.example.com"


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend pointed at a test server, as EMAIL_HOST and EMAIL_PORT make it."""
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        settings.SITE_URL = SITE
        yield sink


def invite(organizer, *guests):
    return meeting_create(
        organizer=organizer,
        title="Roadmap",
        start_time=datetime(2026, 7, 1, 8, tzinfo=UTC),
        end_time=datetime(2026, 7, 1, 9, tzinfo=UTC),
        participant_ids=[guest.pk for guest in guests],
    )


def test_an_invitation_reaches_the_smtp_server_with_a_link_to_the_meeting_page(smtp, committed):
    # given
    olga, paul = UserFactory(username="olga"), UserFactory(username="paul", timezone="UTC")

    # when
    with committed():
        meeting = invite(olga, paul)

    # then: one SMTP conversation, one message to paul
    assert smtp.commands[:2] == ["EHLO", "MAIL"]
    [received] = smtp.received
    assert received.rcpt_to == ["paul@example.com"]
    assert received.message["Subject"] == "[Scheduler] Invitation"
    assert "invited you to “Roadmap” on Wed 1 Jul 2026, 08:00 (UTC)" in received.body
    assert received.body.rstrip().endswith(f"{SITE}/meetings/{meeting.pk}/")
    assert "/api/" not in received.body


def test_the_link_opens_the_meeting_page_after_logging_in(settings, committed):
    # given: the link of paul's invitation
    settings.SITE_URL = SITE
    olga, paul = UserFactory(username="olga"), UserFactory(username="paul")
    with committed():
        meeting = invite(olga, paul)
    [message] = mail.outbox
    path = message.body.rstrip().rsplit("\n", 1)[1].removeprefix(SITE)
    browser = Client()

    # when: a browser follows it, is asked to log in, and does
    asked = browser.get(path)
    logged_in = browser.post(
        "/login/", {"username": "paul", "password": "pass-word-123", "next": path}
    )
    page = browser.get(logged_in["Location"])

    # then
    assert path == f"/meetings/{meeting.pk}/"
    assert asked.status_code == 302
    assert asked["Location"] == f"/login/?next={path}"
    assert page.status_code == 200
    assert "Roadmap" in page.text


def test_someone_removed_from_a_meeting_is_linked_to_their_own_meetings(settings, committed):
    # given
    settings.SITE_URL = SITE
    olga, paul = UserFactory(username="olga"), UserFactory(username="paul")
    with committed():
        meeting = invite(olga, paul)

    # when
    with committed():
        participant_remove(meeting=meeting, by=olga, user_id=paul.pk)

    # then: the meeting is a 404 to paul now; his list is not
    invitation, removal = mail.outbox
    assert invitation.body.rstrip().endswith(f"{SITE}/meetings/{meeting.pk}/")
    assert removal.body.rstrip().endswith(f"{SITE}/meetings/")
