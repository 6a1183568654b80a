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
