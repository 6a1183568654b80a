"""The admin's Performance page, in a real headless Chromium (Debian's, driven by Playwright).

The screenshot checks fail when the page breaks: a server error, a missing stylesheet (the
bars lose their colour), an empty chart or a section gone.
"""

import io
import os
import shutil
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.performance import WEEKS_AHEAD, WEEKS_BACK
from notifications.models import Event
from scheduler import caching, perfstats

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"
)
PRIMARY = (0x79, 0xAE, 0xC8)  # the admin's --primary, which the bars are drawn in


@pytest.fixture
def figures(transactional_db):
    owner = UserFactory()
    now = timezone.now()
    Meeting.objects.bulk_create(
        Meeting(
            title=f"M{i}",
            created_by=owner,
            start_time=now - timedelta(days=7 * (i % 20) - i % 5),
            end_time=now - timedelta(days=7 * (i % 20) - i % 5) + timedelta(hours=1),
        )
        for i in range(300)
    )
    Event.objects.create(kind="rsvp", recipient_ids=[owner.pk])
    perfstats.reset()
    perfstats.record("GET meeting-list", ms=12.5, queries=3)
    perfstats.record("GET meeting-stats", ms=850.0, queries=2)
    for hit in (True, True, True, False):
        caching.count("meeting_list", hit=hit)
    return UserFactory(username="staff", password="pass-word-123", is_staff=True, is_superuser=True)


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, errors
        browser.close()


def colour_share(png: bytes, colour, tolerance=12) -> float:
    from PIL import Image

    raw = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    close = sum(
        1
        for pixel in pixels
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))
    )
    return close / len(pixels)


def test_staff_see_the_performance_page_drawn(live_server, figures, browser_page, tmp_path):
    page, errors = browser_page
    # given: staff log in through the real login form
    page.goto(f"{live_server.url}/admin/login/?next={reverse('admin-performance')}")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#meetings-per-week svg")
    # then: every section is there, with the figures
    assert page.title().startswith("Performance")
    assert page.locator("#meetings-per-week rect.bar").count() == WEEKS_BACK + WEEKS_AHEAD
    assert page.locator("#meetings-per-week rect.bar.current").count() == 1
    assert "GET meeting-stats" in page.inner_text("#slowest-endpoints")
    assert page.locator("#slowest-endpoints .meter.slow").count() == 1
    assert "75%" in page.inner_text("#cache-hit-rates-chart")
    assert page.inner_text("#outbox .big") == "1"
    assert errors == []
    # and the drawing itself: bars in the admin's colour, of the right heights
    chart = page.locator("#meetings-per-week svg").screenshot(path=tmp_path / "chart.png")
    assert colour_share(chart, PRIMARY) > 0.05
    heights = page.eval_on_selector_all(
        "#meetings-per-week rect.bar", "bars => bars.map(b => b.getBBox().height)"
    )
    assert max(heights) > 100
    assert sorted(heights)[0] == 0  # weeks ahead without meetings
    full = page.screenshot(full_page=True)
    (tmp_path / "performance.png").write_bytes(full)
    if os.environ.get("SAVE_SCREENSHOTS"):  # to refresh the picture in docs/
        (live_server_root() / "docs" / "performance-page.png").write_bytes(full)
    assert colour_share(full, (255, 255, 255)) < 0.9  # not a blank page


def live_server_root():
    from testsupport.servers import ROOT

    return ROOT


def test_people_who_are_not_staff_cannot_open_it(client, db):
    client.force_login(UserFactory(is_staff=False))

    response = client.get(reverse("admin-performance"))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_costs_a_fixed_number_of_queries(admin_client, django_assert_num_queries, db):
    admin_client.get(reverse("admin-performance"))  # warm: the weekly figures are cached

    # session, user, the outbox figures
    with django_assert_num_queries(3):
        assert admin_client.get(reverse("admin-performance")).status_code == 200
