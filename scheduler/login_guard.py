"""Password checks made by pages (the people's login, the admin's) under the API login's two
limits: every attempt per client address, failures per username tried, counted together in the
shared cache wherever they are made."""

import math
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from scheduler.api.throttling import LoginFailureThrottle, LoginRateThrottle

Refuse = Callable[[HttpRequest, int], HttpResponse]
LOGGED_IN_NOW = "_password_login_succeeded"


@receiver(user_logged_in, dispatch_uid="scheduler.login_guard.mark_login")
def _mark_login(sender, request, user, **kwargs):
    if request is not None:
        setattr(request, LOGGED_IN_NOW, True)


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
            # Only a login made by this request gives the place back: a caller who is already
            # logged in (their own session) and guesses at someone else's password is still
            # counting failures.
            if getattr(request, LOGGED_IN_NOW, False):
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
