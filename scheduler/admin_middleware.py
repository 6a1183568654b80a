"""What the admin's requests need before any admin view runs.

- A NUL character in the query string is refused with a 400. PostgreSQL cannot hold one in a
  text value, so a search, a filter or an autocomplete term carrying one was a 500 when the
  query ran; no person types one.
"""

from django.core.exceptions import BadRequest
from django.urls import reverse


class AdminRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix: str | None = None

    def __call__(self, request):
        if not request.path.startswith(self._admin_prefix()):
            return self.get_response(request)
        if _has_nul(request.GET):
            raise BadRequest("The query string holds a NUL character.")
        return self.get_response(request)

    def _admin_prefix(self) -> str:
        if self._prefix is None:
            self._prefix = reverse("admin:index")
        return self._prefix


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())
