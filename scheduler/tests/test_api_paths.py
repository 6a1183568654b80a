import pytest
from django.test import RequestFactory

from scheduler.api.paths import is_api_request


@pytest.mark.parametrize(
    ("path", "script", "expected"),
    [
        ("/api/meetings/", "", True),
        ("/api", "", True),
        ("/api/", "", True),
        ("/apiary/", "", False),
        ("/admin/api/", "", False),
        ("/", "", False),
        ("/api/meetings/", "/scheduler", True),  # mounted under a prefix: by path_info
    ],
)
def test_api_requests_are_told_by_their_path_within_the_site(path, script, expected):
    request = RequestFactory().get(path, SCRIPT_NAME=script)
    if script:
        request.path = script + path

    assert is_api_request(request) is expected
