"""What the OpenAPI schema tells generated clients about logging in, tokens and user search."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_login_takes_json_only_and_answers_the_token_and_its_expiry(schema):
    login = schema["paths"]["/api/auth/token/"]["post"]

    assert set(login["requestBody"]["content"]) == {"application/json"}
    assert login["security"] == [{}]
    answer = login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    created = schema["components"]["schemas"][answer.rsplit("/", 1)[1]]
    assert {"token", "expiry"} <= set(created["required"])


def test_the_token_routes_are_documented_and_the_list_holds_no_secret(schema):
    paths = schema["paths"]

    assert "204" in paths["/api/auth/logout/"]["post"]["responses"]
    assert "204" in paths["/api/auth/logout-all/"]["post"]["responses"]
    assert "204" in paths["/api/auth/tokens/{id}/"]["delete"]["responses"]
    assert "400" in paths["/api/auth/password/"]["post"]["responses"]
    listed = schema["components"]["schemas"]["Token"]["properties"]
    assert set(listed) == {"id", "client", "created", "expiry", "last_used", "current"}
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_user_search_requires_a_term_of_two_characters(schema):
    parameters = schema["paths"]["/api/users/"]["get"]["parameters"]

    search = next(p for p in parameters if p["name"] == "search")

    assert search["required"] is True
    assert search["schema"]["minLength"] == 2
