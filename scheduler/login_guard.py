"""Password checks made by pages (the people's login, the admin's) under the API login's two
limits: every attempt per client address, failures per username tried, counted together in the
shared cache wherever they are made."""

import math
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from scheduler.api.throttling import LoginFailureThrottle, LoginRateThrottle

Refuse = Callable[[HttpRequest, int], HttpResponse]


def guard_password_checks(refuse: Refuse):
    """Wrap a login view: a POST over either limit gets refuse(request, seconds) with status 429
    and Retry-After, its password unchecked; a POST that logs someone in uses up no failure."""

    def decorate(view):
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            address = LoginRateThrottle()
            if not address.allow_request(request, None):
                return _refused(refuse, request, address.wait())
            failures = LoginFailureThrottle(request.POST.get("username", ""))
            if not failures.attempt():
                return _refused(refuse, request, failures.wait())
            response = view(request, *args, **kwargs)
            if request.user.is_authenticated:  # the password was right: no failure to count
                failures.succeeded()
            return response

        return guarded

    return decorate


def _refused(refuse: Refuse, request: HttpRequest, wait: float) -> HttpResponse:
    seconds = math.ceil(wait)
    response = refuse(request, seconds)
    response.status_code = 429
    response["Retry-After"] = str(seconds)
    return response
