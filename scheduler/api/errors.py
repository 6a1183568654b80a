"""Error pages: JSON under /api/, Django's HTML pages elsewhere."""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from scheduler.unavailable import is_database_outage, unavailable_response

from .paths import is_api_request


def bad_request(request, exception=None):
    """Django's own refusals (a body too large, too many fields, a bad cookie...)."""
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        detail = f"The request body is larger than the limit of {limit:,} bytes."
        return JsonResponse({"detail": detail}, status=413)
    return JsonResponse({"detail": "Bad request."}, status=400)


def not_found(request, exception=None):
    if is_api_request(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    # Called while the exception is being handled: one from any middleware lands here.
    if is_database_outage(exception := sys.exc_info()[1]):
        return unavailable_response(request, exception)
    if is_api_request(request):
        return JsonResponse({"detail": "Server error: we have been told."}, status=500)
    return defaults.server_error(request)


@csrf_exempt
def api_fallback(request, **kwargs):
    """Whatever no API route takes, with any method, in DEBUG or not: a JSON answer.

    A URL without its trailing slash is a 308 naming the right one. Django's APPEND_SLASH
    answers 301, which clients follow with a GET and no body (and in DEBUG a POST is a 500);
    308 keeps the method and the body, and a client that does not follow reads where to go.
    """
    if not request.path_info.endswith("/") and _is_route(f"{request.path_info}/", request):
        url = request.get_full_path(force_append_slash=True)
        detail = f"Send the same request to {url}: this URL ends with a slash."
        return JsonResponse({"detail": detail, "url": url}, status=308, headers={"Location": url})
    return JsonResponse({"detail": "Not found."}, status=404)


def _is_route(path: str, request) -> bool:
    try:
        match = resolve(path, urlconf=getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.func is not api_fallback
