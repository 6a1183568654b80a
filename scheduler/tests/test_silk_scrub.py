"""Each layer of Silk's scrubbing on its own (scheduler.silk_scrub), what Silk records and
what it does not (scheduler.silk.should_record), and a record that cannot be scrubbed."""

import base64
import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from silk.config import SilkyConfig

from accounts.tests.factories import UserFactory
from scheduler import silk_scrub
from scheduler.silk import should_record
from scheduler.silk_scrub import HIDDEN
from scheduler.tests.test_silk import silk_on  # noqa: F401 - a fixture

FEED_SECRET = "s3cr3t-feed-token-0123456789abcdefghijklmno"


# -- SQL --------------------------------------------------------------------------------------

SQL_CUT = {
    "a password change": (
        'UPDATE "accounts_user" SET "password" = md5$salt$0123abcd WHERE "accounts_user"."id" = 7',
        'UPDATE "accounts_user"',
    ),
    "a feed's lookup": (
        'SELECT "accounts_user"."id" FROM "accounts_user" WHERE ("accounts_user"."feed_token" = '  # noqa: S608 - text, never run
        f'{FEED_SECRET} AND "accounts_user"."is_active") LIMIT 1',
        'SELECT "accounts_user"."id" FROM "accounts_user"',
    ),
    "a new user": (
        'INSERT INTO "accounts_user" ("password", "username") VALUES (md5$salt$0123abcd, ann)',
        'INSERT INTO "accounts_user" ("password", "username")',
    ),
    "a token's lookup": (
        'SELECT "knox_authtoken"."digest" FROM "knox_authtoken" WHERE "token_key" = abcdef012',
        'SELECT "knox_authtoken"."digest" FROM "knox_authtoken"',
    ),
}


@pytest.mark.parametrize(("sql", "kept"), SQL_CUT.values(), ids=SQL_CUT.keys())
def test_sql_that_writes_or_filters_a_secret_column_keeps_its_shape_and_no_values(sql, kept):
    # when
    scrubbed, cut = silk_scrub.scrub_sql(sql)

    # then
    assert cut
    assert scrubbed == kept + silk_scrub.SQL_HIDDEN


def test_sql_that_only_lists_a_secret_column_keeps_its_values():
    # given: every query that loads a whole user names the password column
    sql = 'SELECT "accounts_user"."password" FROM "accounts_user" WHERE "accounts_user"."id" = 7'

    # when / then
    assert silk_scrub.scrub_sql(sql) == (sql, False)


def test_a_query_s_plan_is_dropped_with_its_values():
    # given: PostgreSQL's EXPLAIN shows the condition's value
    query = {
        "query": f'SELECT "id" FROM "accounts_user" WHERE "feed_token" = {FEED_SECRET}',  # noqa: S608
        "analysis": f"Index Scan  Index Cond: ((feed_token)::text = '{FEED_SECRET}'::text)",
    }

    # when
    silk_scrub.scrub_query(query)

    # then
    assert FEED_SECRET not in json.dumps(query)
    assert query["analysis"] is None


# -- by shape ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        "pbkdf2_sha256$1000000$salt$hashhashhash=",
        "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA",
        "md5$salt$0123456789abcdef",
    ],
)
def test_password_hashes_are_hidden_in_any_text(secret):
    assert silk_scrub.scrub_text(f"hash: {secret} end") == f"hash: {HIDDEN} end"


def test_feed_urls_lose_their_secret():
    text = f'{{"url": "https://host/api/feeds/{FEED_SECRET}.ics"}}'

    assert silk_scrub.scrub_text(text) == '{"url": "https://host/api/feeds/[secret].ics"}'


def test_the_csrf_tokens_of_html_forms_are_hidden():
    html = '<input type="hidden" name="csrfmiddlewaretoken" value="Zm9ybS10b2tlbi1tYXNrZWQ">'

    assert silk_scrub.scrub_text(html) == (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{HIDDEN}">'
    )


# -- by key -----------------------------------------------------------------------------------


def test_response_json_is_masked_by_key_at_any_depth():
    body = json.dumps({"token": "k3y-0f-the-api", "user": {"new_password": "x"}, "id": 3})

    assert json.loads(silk_scrub.mask_json(body)) == {
        "token": HIDDEN,
        "user": {"new_password": HIDDEN},
        "id": 3,
    }


def test_headers_that_name_a_secret_are_masked_others_kept():
    headers = json.dumps({"X-CSRFToken": "abc", "Set-Cookie": "sessionid=abc", "Accept": "*/*"})

    assert json.loads(silk_scrub.scrub_headers(headers)) == {
        "X-CSRFToken": HIDDEN,
        "Set-Cookie": HIDDEN,
        "Accept": "*/*",
    }


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("first_name=Ann&new_password1=hunter22", f"first_name=Ann&new_password1={HIDDEN}"),
        ('{"password": "hunter22", "username": "ann"', HIDDEN),  # JSON cut short
        ("plain words", "plain words"),
    ],
    ids=["a form", "broken JSON", "text"],
)
def test_request_bodies_that_are_not_json_are_masked_or_hidden(body, kept):
    assert silk_scrub.scrub_request_body(body) == kept


def test_a_raw_response_body_is_scrubbed_and_stays_base64():
    # given
    raw = base64.b64encode(b'{"token": "k3y-0f-the-api"}').decode()

    # when
    scrubbed = silk_scrub.scrub_base64_body(raw, '{"Content-Type": "application/json"}')

    # then
    assert json.loads(base64.b64decode(scrubbed)) == {"token": HIDDEN}


def test_a_compressed_raw_response_body_is_not_kept():
    raw = base64.b64encode(b"\x1f\x8b\x08binary").decode()

    assert silk_scrub.scrub_base64_body(raw, '{"Content-Encoding": "gzip"}') == ""


# -- by value ---------------------------------------------------------------------------------


def test_a_request_s_secrets_are_its_token_cookies_csrf_header_and_secret_fields():
    # given
    request = RequestFactory().post(
        f"/api/feeds/{FEED_SECRET}.ics?api_key=query-string-key",
        {"old_password": "old-pass-word", "title": "Standup meeting"},
        "application/json",
        HTTP_AUTHORIZATION="Token 0123456789abcdef",
        HTTP_X_CSRFTOKEN="csrf-header-token",
    )
    request.COOKIES = {"sessionid": "the-session-key", "theme": "dark"}

    # when
    secrets = silk_scrub.request_secrets(request)

    # then
    assert secrets == {
        "Token 0123456789abcdef",
        "0123456789abcdef",
        "csrf-header-token",
        "the-session-key",
        "query-string-key",
        "old-pass-word",
        FEED_SECRET,
    }


def test_a_response_s_secrets_are_the_cookies_it_sets_and_tokens_it_hands_out():
    # given
    response = HttpResponse(
        json.dumps({"token": "k3y-0f-the-api", "url": f"/api/feeds/{FEED_SECRET}.ics"}),
        content_type="application/json",
    )
    response.set_cookie("sessionid", "new-session-key")

    # when / then
    assert silk_scrub.response_secrets(response) == {
        "k3y-0f-the-api",
        FEED_SECRET,
        "new-session-key",
    }


def test_known_secrets_are_hidden_wherever_they_turn_up():
    sql = "SELECT 1 FROM t WHERE note = 'the-session-key'"

    assert silk_scrub.scrub_sql(sql, {"the-session-key"}) == (
        f"SELECT 1 FROM t WHERE note = '{HIDDEN}'",  # noqa: S608 - text, never run
        False,
    )


# -- what is recorded -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/auth/token/",
        "/api/auth/token",
        "/api/auth/password/",
        "/api/auth/logout-all/",
        f"/api/feeds/{FEED_SECRET}.ics",
        "/api/users/me/feed/",
        "/api/users/me/feed/rotate/",
        "/admin/login/",
        "/admin/logout/",
        "/admin/password_change/",
        "/admin/accounts/user/add/",
        "/admin/accounts/user/7/change/",
        "/admin/accounts/user/7/password/",
        "/admin/knox/authtoken/",
    ],
)
def test_routes_that_carry_credentials_are_never_recorded(path):
    assert not should_record(RequestFactory().get(path))


@pytest.mark.parametrize(("percent", "recorded"), [(100, True), (0, False)], ids=["all", "none"])
def test_other_routes_are_sampled(percent, recorded, monkeypatch):
    monkeypatch.setattr(SilkyConfig(), "SILKY_INTERCEPT_PERCENT", percent, raising=False)

    for path in ("/api/meetings/", "/admin/accounts/user/", "/api/users/me/"):
        assert should_record(RequestFactory().get(path)) is recorded


@pytest.mark.django_db
def test_a_record_that_cannot_be_scrubbed_keeps_none_of_its_text(
    request, api_as, monkeypatch, caplog
):
    # given
    from silk.models import Request, Response

    request.getfixturevalue("silk_on")

    def broken(record, secrets):
        raise ValueError("a scrubber's bug")

    monkeypatch.setattr(silk_scrub, "scrub_request_record", broken)
    monkeypatch.setattr(silk_scrub, "scrub_response_record", broken)

    # when
    answer = api_as(UserFactory()).get("/api/users/me/")

    # then: the request went on, and Silk kept its timings without its text
    assert answer.status_code == 200
    record = Request.objects.get()
    assert (record.path, record.encoded_headers, record.raw_body) == (HIDDEN, "", "")
    assert Response.objects.get().raw_body == ""
    assert "could not scrub" in caplog.text


def test_a_body_nested_too_deeply_to_read_is_kept_by_nobody_and_logs_no_traceback(
    request, api_as, caplog
):
    # given: Silk recording, and a body of 100,000 brackets (the API answers 400)
    from silk.models import Request

    request.getfixturevalue("silk_on")

    # when
    answer = api_as(UserFactory()).generic(
        "POST", "/api/meetings/", "[" * 100_000, content_type="application/json"
    )

    # then: the request answered, Silk kept no text of it, and the log says so in one line
    assert answer.status_code == 400
    assert Request.objects.get().raw_body == ""
    assert "too deeply nested to scrub" in caplog.text
    assert "Traceback" not in caplog.text
    assert "RecursionError" not in caplog.text
