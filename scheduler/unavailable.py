"""When the database is away or a query runs too long, answer 503 quickly and cleanly.

A request whose database connection fails, or whose query PostgreSQL cancels at
statement_timeout, would otherwise end as a 500 with a stack trace. It is an outage, not a bug:
503 with Retry-After tells clients and load balancers to come back, and the worker is free again.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

from scheduler.api.paths import is_api_request

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def is_database_outage(exception: BaseException | None) -> bool:
    return isinstance(exception, OperationalError | InterfaceError)


def unavailable_response(request, exception: BaseException) -> HttpResponse:
    logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
    if is_api_request(request):
        response = JsonResponse(
            {"detail": "The service is briefly unavailable; try again shortly."}, status=503
        )
    else:
        response = HttpResponse(
            "The service is briefly unavailable; try again shortly.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """The view's outage. One met in a middleware (a staff page loads its session before the
    view) reaches the 500 handler instead, which answers the same (api/errors.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        return unavailable_response(request, exception)
