import json
import os
import re
from urllib.parse import urlsplit

import pytest
from django.http import QueryDict
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

LOGIN = ("/api/auth/token/", "post")
FEED = ("/api/feeds/{token}.ics", "get")
NO_LOGIN = {LOGIN, FEED}  # the feed's secret is in its URL


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema

    assert schema["openapi"].startswith("3.")


def test_the_schema_covers_the_whole_contract(schema):
    documented = {(path, method) for path, method, _ in operations(schema)}

    assert {
        LOGIN,
        ("/api/users/me/", "get"),
        ("/api/users/me/", "patch"),
        ("/api/users/", "get"),
        ("/api/meetings/", "get"),
        ("/api/meetings/", "post"),
        ("/api/meetings/{id}/", "get"),
        ("/api/meetings/{id}/", "patch"),
        ("/api/meetings/{id}/", "delete"),
        ("/api/meetings/{id}/cancel/", "post"),
        ("/api/meetings/{id}/rsvp/", "post"),
        ("/api/meetings/{id}/participants/", "get"),
        ("/api/meetings/{id}/participants/", "post"),
        ("/api/meetings/{id}/participants/{user_id}/", "delete"),
        ("/api/meetings/bulk/", "post"),
        ("/api/meetings/bulk-status/", "post"),
        ("/api/meetings/stats/", "get"),
        ("/api/notifications/", "get"),
        ("/api/notifications/{id}/read/", "post"),
        ("/api/notifications/read-all/", "post"),
    } <= documented


def test_every_operation_documents_its_errors(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert "429" in codes, (path, method)
        if (path, method) not in NO_LOGIN:
            assert "401" in codes, (path, method)
        if "{" in path:
            assert "404" in codes, (path, method)
        if method in ("post", "patch"):
            assert "400" in codes, (path, method)


def test_the_list_documents_its_filters_and_cursor(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/meetings/"]["get"]["parameters"]}

    assert {"from", "to", "status", "role", "search", "cursor", "page_size"} <= parameters


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()  # served from our static files


def test_the_time_zone_field_lists_the_zones_the_server_accepts(schema):
    components = schema["components"]["schemas"]
    field = components["Me"]["properties"]["timezone"]
    assert field["allOf"] == [{"$ref": "#/components/schemas/TimezoneEnum"}]
    zones = components["TimezoneEnum"]["enum"]

    assert {"Europe/Paris", "America/New_York", "UTC"} <= set(zones)
    assert "posixrules" not in zones
    assert "localtime" not in zones


def test_the_time_zone_enum_lists_each_zone_under_one_name(schema):
    # given: GMT0, GMT+0 and GMT-0 are one zone, and one Python name in a generated client
    zones = schema["components"]["schemas"]["TimezoneEnum"]["enum"]

    # then
    assert {"GMT0", "GMT+0", "GMT-0", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0"}.isdisjoint(zones)
    assert {"Etc/GMT", "Etc/GMT+1", "Etc/GMT-1"} <= set(zones)
    assert len(zones) == len(set(zones))


@pytest.mark.parametrize("alias", ["GMT0", "GMT+0", "GMT-0", "Etc/GMT-0"])
def test_a_zone_alias_is_accepted_and_answered_under_its_listed_name(api_as, schema, alias):
    # given
    from accounts.tests.factories import UserFactory

    user = UserFactory(timezone="Europe/Paris")

    # when
    response = api_as(user).patch("/api/users/me/", {"timezone": alias}, format="json")

    # then
    assert response.status_code == 200, response.content
    assert response.json()["timezone"] == "Etc/GMT"
    assert response.json()["timezone"] in schema["components"]["schemas"]["TimezoneEnum"]["enum"]
    user.refresh_from_db()
    assert user.timezone == "Etc/GMT"


def test_a_zone_stored_under_an_alias_is_answered_under_its_listed_name(api_as):
    from accounts.tests.factories import UserFactory

    user = UserFactory(timezone="GMT+0")  # the admin and older rows may hold one

    assert api_as(user).get("/api/users/me/").json()["timezone"] == "Etc/GMT"


def test_no_email_is_null_as_the_schema_says(api_as, schema):
    # given
    from accounts.tests.factories import UserFactory

    field = schema["components"]["schemas"]["Me"]["properties"]["email"]

    # when
    without = api_as(UserFactory(email="")).get("/api/users/me/").json()
    with_one = api_as(UserFactory(email="ann@example.com")).get("/api/users/me/").json()

    # then: "" is no e-mail address; null is allowed, and says there is none
    assert field["format"] == "email"
    assert field["nullable"] is True
    assert without["email"] is None
    assert with_one["email"] == "ann@example.com"


@pytest.mark.parametrize(
    ("path", "extra"),
    [("/api/availability/", {}), ("/api/availability/suggest/", {"duration": 30})],
)
def test_every_user_id_schemathesis_sends_from_the_schema_is_read(api_as, schema, path, extra):
    # given: requests drawn by schemathesis from the schema as published (the window fixed,
    # so that only `users` decides), sent as schemathesis sends them
    schemathesis = pytest.importorskip("schemathesis")
    requests = pytest.importorskip("requests")
    from hypothesis import HealthCheck, Phase, given, settings
    from rest_framework.renderers import JSONRenderer

    from accounts.tests.factories import UserFactory

    me = UserFactory()
    client = api_as(me)
    published = json.loads(JSONRenderer().render(schema))
    operation = schemathesis.openapi.from_dict(published)[path]["GET"]
    window = {"from": "2030-03-04T00:00Z", "to": "2030-03-05T00:00Z", **extra}
    sent = []

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=bool(os.environ.get("CI")),  # the same draw in CI; fresh ones by hand
        phases=[Phase.generate],  # a failure is plain enough without shrinking, which is slow
        suppress_health_check=[*HealthCheck],
    )
    @given(case=operation.as_strategy())
    def check(case):
        case.query = {**(case.query or {}), **window}
        request = requests.Request(**case.as_transport_kwargs(base_url="http://testserver"))
        url = request.prepare().path_url
        response = client.get(url)
        ids = QueryDict(urlsplit(url).query).getlist("users")  # one id each: users=1&users=2
        # then: the unknown people are all named, so the server read every id sent
        assert response.status_code in (200, 400), response.content
        if response.status_code == 400:
            [reason] = response.json()["users"]
            assert set(re.findall(r"[0-9]+", reason)) == set(ids) - {str(me.pk)}
        sent.append(len(ids))

    check()

    assert max(sent) > 1  # some requests carried several ids
