"""Password checks made by pages (the people's login, the admin's login and its password change)
under the API login's two limits: every attempt per client address, failures per username,
counted together in the shared cache wherever they are made."""

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


def _username_posted(request: HttpRequest) -> str:
    return request.POST.get("username", "")


def _logged_in_now(request: HttpRequest, response: HttpResponse) -> bool:
    # Only a login made by this request: a caller already logged in as themselves (their own
    # session) who guesses at someone else's password is still counting failures.
    return getattr(request, LOGGED_IN_NOW, False)


def guard_password_checks(
    refuse: Refuse,
    *,
    username: Callable[[HttpRequest], str | None] = _username_posted,
    passed: Callable[[HttpRequest, HttpResponse], bool] = _logged_in_now,
):
    """Wrap a view that checks a password: a POST over either limit gets
    refuse(request, seconds) with status 429 and Retry-After, its password unchecked; a POST
    that `passed` uses up no failure. `username` says whose password is checked (a login: the
    one posted); None lets the request through unguarded."""

    def decorate(view):
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            whose = username(request) if request.method == "POST" else None
            if whose is None:
                return view(request, *args, **kwargs)
            address = LoginRateThrottle()
            if not address.allow_request(request, None):
                return _refused(refuse, request, address.wait())
            failures = LoginFailureThrottle(whose)
            if not failures.attempt():
                return _refused(refuse, request, failures.wait())
            response = view(request, *args, **kwargs)
            if passed(request, response):
                failures.succeeded()
            return response

        return guarded

    return decorate


def form_again(view: Callable[..., HttpResponse]) -> Refuse:
    """A refusal that shows the view's form again, as a GET (no password checked), with
    `throttled_seconds` in its context for the template to say how long to wait."""

    def refuse(request: HttpRequest, seconds: int) -> HttpResponse:
        request.method = "GET"
        return view(request, extra_context={"throttled_seconds": seconds})

    return refuse


def _refused(refuse: Refuse, request: HttpRequest, wait: float) -> HttpResponse:
    seconds = math.ceil(wait)
    response = refuse(request, seconds)
    response.status_code = 429
    response["Retry-After"] = str(seconds)
    return response
