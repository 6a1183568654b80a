"""The quick content negotiation answers exactly as DRF's own, for every Accept header."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer, StaticHTMLRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from scheduler.api.negotiation import ContentNegotiation

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "text/html",
    "application/json; indent=4",
    "text/html, */*;q=0.1",
    "application/xml",
    "application/*",
    "",
]
RENDERER_LISTS = [
    [JSONRenderer()],
    [JSONRenderer(), BrowsableAPIRenderer()],
    [StaticHTMLRenderer(), JSONRenderer()],
]


def _answer(negotiation, accept, renderers, query=""):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get("/api/meetings/" + query, **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers)
    except Exception as error:  # noqa: BLE001 - the refusal is part of the answer
        return type(error).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("query", ["", "?format=json", "?format=api"])
@pytest.mark.parametrize("renderers", RENDERER_LISTS, ids=["json", "json+api", "html+json"])
@pytest.mark.parametrize("accept", ACCEPTS)
def test_it_answers_as_drf_does(accept, renderers, query):
    ours = _answer(ContentNegotiation(), accept, renderers, query)
    drf = _answer(DefaultContentNegotiation(), accept, renderers, query)

    assert ours == drf
