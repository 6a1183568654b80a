"""Staff in the admin of the development server (`make run`: DJANGO_ENV=local, DEBUG, the debug
toolbar, Silk recording every request, django-zeal raising on N+1), in a real headless Chromium.

The server is a separate process with the development settings, as `make run` starts it, on a
SQLite file of its own: what zeal, the toolbar or Silk break there is a 500 here.
"""

import os
import shutil
import subprocess
import sys
import urllib.request

import pytest

from testsupport.servers import ROOT, free_port, wait_until

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"
)
PASSWORD = "staff-pass-word-1"
PEOPLE = ("ada", "grace", "alan", "edsger")
SETUP = f"""
from accounts.models import User
for name in ("staff", "keeper"):
    User.objects.create_superuser(name, f"{{name}}@example.com", {PASSWORD!r})
for name in {PEOPLE!r}:
    User.objects.create_user(name, f"{{name}}@example.com", first_name=name.title())
"""
HIDE_TOOLBAR = """
document.addEventListener("DOMContentLoaded", () => {
  const style = document.createElement("style");
  style.textContent = "[id^=djDebug] { display: none !important; }";
  document.head.append(style);
});
"""


@pytest.fixture(scope="module")
def development_server(tmp_path_factory):
    database = tmp_path_factory.mktemp("development") / "db.sqlite3"
    env = {
        "DJANGO_SETTINGS_MODULE": "scheduler.settings",
        "DJANGO_ENV": "local",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",  # in-process cache and eager tasks, as `make run` has them
        "CELERY_BROKER_URL": "",
        "DEBUG": "true",
        "DEBUG_TOOLBAR": "true",
        "ZEAL": "true",
        "SILK_ENABLED": "true",
        "SILK_SAMPLE_PERCENT": "100",
    }
    full_env = {**os.environ, **env}
    log = database.with_name("server.log")
    for command in (["migrate", "--no-input", "-v0"], ["shell", "-c", SETUP]):
        subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", *command], cwd=ROOT, env=full_env, check=True
        )
    port = free_port()
    # Its log goes to a file: the toolbar, Silk and the request log write a lot, and a pipe
    # nobody reads would stall the server once full.
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: urllib.request.urlopen(base + "/healthz/", timeout=1).status == 200,
            timeout=30,
            what="the development server",
        )
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        print(log.read_text()[-5000:])  # shown when a test failed


@pytest.fixture
def staff_page(development_server):
    """A browser page, and the server errors (5xx) it met."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        # The toolbar runs on the server; in the page, its panel and handle would sit over the
        # rows' delete boxes, which staff move it away from.
        page.add_init_script(HIDE_TOOLBAR)
        errors = []
        page.on(
            "response",
            lambda response: (
                errors.append(f"{response.status} {response.request.method} {response.url}")
                if response.status >= 500
                else None
            ),
        )
        yield page, errors
        browser.close()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def choose_person(page, select_id: str, name: str) -> None:
    """Pick someone in an autocomplete box (select2), as staff do: open, type, click."""
    page.click(f"#{select_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", name)
    page.click(f".select2-results__option:has-text('{name}')")


def success_message(page, errors: list) -> str:
    page.wait_for_load_state()
    assert errors == []  # no 500 on the way
    assert page.locator(".errornote, .errorlist").count() == 0, page.content()[:2000]
    return page.locator(".messagelist .success").inner_text(timeout=5000)


def test_staff_add_and_change_a_meeting_with_several_people(development_server, staff_page):
    page, errors = staff_page
    log_in(page, development_server, "staff")
    # given: the add form, four people invited
    page.goto(f"{development_server}/admin/meetings/meeting/add/")
    page.fill("#id_title", "Design review")
    page.fill("#id_start_time_0", "2026-03-02")
    page.fill("#id_start_time_1", "09:00:00")
    page.fill("#id_end_time_0", "2026-03-02")
    page.fill("#id_end_time_1", "10:00:00")
    choose_person(page, "id_created_by", "staff")
    for row, name in enumerate(PEOPLE):
        if row >= 3:  # three empty rows to begin with
            page.click(".add-row a")
        choose_person(page, f"id_participants-{row}-user", name)
    # when: saved, then opened again
    page.click("input[name=_continue]")
    # then
    assert "was added successfully" in success_message(page, errors)
    assert page.locator("#participants-group tr.has_original").count() == 4
    # when: one answer changed, one person withdrawn, one more invited
    page.select_option("#id_participants-0-status", "accepted")
    page.check("#id_participants-1-DELETE")
    choose_person(page, "id_participants-2-0-user", "staff")
    page.fill("#id_title", "Design review, moved")
    page.click("input[name=_continue]")
    # then
    assert "was changed successfully" in success_message(page, errors)
    assert page.locator("#participants-group tr.has_original").count() == 4
    assert errors == []


def test_staff_change_their_own_password_and_stay_logged_in(development_server, staff_page):
    page, errors = staff_page
    # given
    log_in(page, development_server, "keeper")
    page.goto(f"{development_server}/admin/accounts/user/")
    page.click("#result_list a:text-is('keeper')")
    page.click("a[href$='password/']")
    # when
    new_password = "another-pass-word-2"
    page.fill("#id_password1", new_password)
    page.fill("#id_password2", new_password)
    page.click("input[type=submit]")
    # then: changed, and this session still opens the admin
    assert "Password changed successfully" in success_message(page, errors)
    page.goto(f"{development_server}/admin/")
    assert page.locator("#user-tools").count() == 1
    assert errors == []


def test_staff_log_out(development_server, staff_page):
    page, errors = staff_page
    log_in(page, development_server, "staff")
    # when
    page.click("#logout-form button")
    # then
    page.wait_for_load_state()
    assert errors == []
    assert "Logged out" in page.locator("#content").inner_text(timeout=5000)
    page.goto(f"{development_server}/admin/")
    assert page.url.startswith(f"{development_server}/admin/login/")
    assert errors == []
