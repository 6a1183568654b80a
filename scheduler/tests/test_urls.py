import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_home_page_leads_to_the_admin(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_health_answers_after_asking_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_is_read_only(client):
    assert client.post(reverse("health")).status_code == 405


def test_admin_pages_name_a_non_production_environment(admin_client, settings):
    assert '<span class="env-badge">test</span>' in admin_client.get(reverse("admin:index")).text

    settings.DJANGO_ENV = "production"

    assert "env-badge" not in admin_client.get(reverse("admin:index")).text.split("</style>")[1]


def test_unknown_api_urls_answer_json(api_as):
    from accounts.tests.factories import UserFactory

    client = api_as(UserFactory())

    for url in ("/api/meetings/%C2%84/", "/api/nothing-here/", "/api/meetings/1/participants/x/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert "text/html" in client.get("/not-api/").headers["Content-Type"]


def test_an_empty_filter_value_is_a_400_not_ignored(api_as):
    from accounts.tests.factories import UserFactory

    response = api_as(UserFactory()).get("/api/meetings/stats/?to=")

    assert response.status_code == 400
    assert "to" in response.json()


def test_a_request_for_another_host_is_a_400(client):
    response = client.get("/healthz/", HTTP_HOST="evil.example")

    assert response.status_code == 400


@pytest.fixture(params=[True, False], ids=["DEBUG", "not DEBUG"])
def debug(request, settings):
    """`make run` serves with DEBUG on, production with it off: the API answers alike."""
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize(
    ("method", "url", "right"),
    [
        ("get", "/api/meetings", "/api/meetings/"),
        ("post", "/api/meetings", "/api/meetings/"),
        ("post", "/api/meetings?dry_run=true", "/api/meetings/?dry_run=true"),
        ("patch", "/api/users/me", "/api/users/me/"),
        ("delete", "/api/meetings/7", "/api/meetings/7/"),
        ("get", "/api/availability?users=1&users=2", "/api/availability/?users=1&users=2"),
    ],
)
def test_an_api_url_without_its_slash_is_a_json_308_naming_the_right_one(
    client, debug, method, url, right
):
    # when
    body = {} if method == "get" else {"data": {"title": "Kept"}}
    response = getattr(client, method)(url, content_type="application/json", **body)

    # then: 308 keeps the method and the body (a 301 would turn them into a GET without one)
    assert response.status_code == 308, response.content
    assert response["Location"] == right
    assert response.json() == {
        "detail": f"Send the same request to {right}: this URL ends with a slash.",
        "url": right,
    }


def test_a_post_without_the_slash_creates_nothing_until_it_is_sent_again_there(api_as, debug):
    # given
    from accounts.tests.factories import UserFactory
    from meetings.models import Meeting

    client = api_as(UserFactory())
    body = {"title": "Kept", "start_time": "2030-03-04T09:00Z", "end_time": "2030-03-04T10:00Z"}

    # when: sent without the slash, then to where the 308 points, as clients follow one
    first = client.post("/api/meetings", body, format="json")
    created_before = Meeting.objects.count()
    second = client.post(first["Location"], body, format="json")

    # then
    assert first.status_code == 308
    assert created_before == 0
    assert second.status_code == 201, second.content
    assert Meeting.objects.get().title == "Kept"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize(
    "url", ["/api", "/api/", "/api/unknown/", "/api/unknown", "/api/meetings/x/y", "/api/a%0Ab"]
)
def test_unknown_api_urls_answer_a_json_404_with_any_method(client, debug, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("method", "url"),
    [("delete", "/api/meetings/stats/"), ("put", "/api/availability/"), ("post", "/api/rooms/")],
)
def test_a_wrong_method_on_an_api_url_is_a_json_405(api_as, debug, method, url):
    from accounts.tests.factories import UserFactory

    response = getattr(api_as(UserFactory()), method)(url)

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert "not allowed" in response.json()["detail"]


def test_urls_outside_the_api_keep_djangos_slash_redirect(admin_client):
    response = admin_client.get("/admin/accounts/user")

    assert response.status_code == 301
    assert response["Location"] == "/admin/accounts/user/"
