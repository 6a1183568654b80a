"""The meeting list on a laptop screen (1366 x 768), in a real headless Chromium (Debian's,
driven by Playwright, as scheduler/tests/test_performance_page.py): every column in view."""

import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from meetings.models import Meeting, Participant, Room

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"
)
LAPTOP = {"width": 1366, "height": 768}
TITLES = (
    "Infrastructure planning",
    "Architecture review",
    "Quarterly roadmap kick-off",
    "https://calendar.example.com/meetings/2026/q1-platform-review",  # a link pasted as a title
)
NAMES = (("Barbara", "Thompson"), ("Maximiliana", "Featherstonehaugh"), ("Shafi", "Matsumoto"))


@pytest.fixture
def busy_list(transactional_db):
    """A page of meetings as the demo data has them: long titles and names, rooms, people."""
    people = [
        User.objects.create_user(f"{first}.{last}".lower(), first_name=first, last_name=last)
        for first, last in NAMES
    ]
    rooms = [Room.objects.create(name=name, capacity=40) for name in ("Board room", "Atrium")]
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            title=TITLES[i % len(TITLES)],
            start_time=start + timedelta(days=i),
            end_time=start + timedelta(days=i, hours=1, minutes=30),
            created_by=people[i % len(people)],
            room=rooms[i % len(rooms)],
            status=Meeting.Status.CANCELLED if i % 4 == 0 else Meeting.Status.SCHEDULED,
        )
        for i in range(60)
    )
    Participant.objects.bulk_create(
        Participant(meeting=meeting, user=person)
        for meeting in meetings
        for person in people
        if person != meeting.created_by
    )
    staff = User.objects.create_superuser("staff", "staff@example.com", "pass-word-123")
    User.objects.filter(pk=staff.pk).update(timezone="Europe/Paris")


@pytest.fixture
def laptop_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=LAPTOP)
        yield page
        browser.close()


def test_the_meeting_list_fits_a_laptop_screen(live_server, busy_list, laptop_page):
    page = laptop_page
    # given: staff logged in through the real form, on a 1366-pixel screen
    page.goto(f"{live_server.url}/admin/login/?next={reverse('admin:meetings_meeting_changelist')}")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#result_list")
    # when
    layout = page.evaluate(
        """() => {
            const table = document.querySelector("#result_list").getBoundingClientRect();
            const box = document.querySelector("#changelist .results");
            return {
                tableRight: table.right,
                boxScrolls: box.scrollWidth > box.clientWidth,
                pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
                headers: [...document.querySelectorAll("#result_list thead th")].map(
                    (th) => [th.textContent.trim(), th.getBoundingClientRect().right]),
                statusLines: [...document.querySelectorAll("#result_list td.field-status")].map(
                    (td) => {
                        const text = document.createRange();
                        text.selectNodeContents(td);
                        return new Set([...text.getClientRects()].map((r) => r.top)).size;
                    }),
            };
        }"""
    )
    # then: no horizontal scrolling, and the last column inside the screen
    assert layout["tableRight"] <= LAPTOP["width"], layout
    assert not layout["boxScrolls"], layout
    assert not layout["pageScrolls"], layout
    assert [name for name, _ in layout["headers"]][-1] == "People"
    assert all(right <= LAPTOP["width"] for _, right in layout["headers"]), layout
    # a status is one word on one line ("Schedule/d" was broken in two)
    assert layout["statusLines"], layout
    assert set(layout["statusLines"]) == {1}, layout
    # and the times are the staff member's, labelled
    assert "10:00–11:30 CET" in page.inner_text("#result_list tbody")
