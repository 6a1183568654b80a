"""A plain login page for everyone (the admin's refuses people who are not staff), throttled like
the API's login: per address and per username tried, counted in the shared cache."""

import hashlib
import math

from django.contrib.auth.views import LoginView
from django.urls import reverse_lazy

from scheduler.api.throttling import WindowRateThrottle


class _AddressThrottle(WindowRateThrottle):
    scope = "login"  # the rate is THROTTLE_LOGIN's

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "page-login", "ident": self.get_ident(request)}


class _UsernameThrottle(WindowRateThrottle):
    """Guesses at one person's password from many addresses."""

    scope = "login"

    def get_cache_key(self, request, view):
        username = request.POST.get("username", "").strip().lower()
        # Hashed: whatever text the form is sent becomes a key of one size.
        ident = hashlib.sha256(username.encode()).hexdigest()
        return self.cache_format % {"scope": "page-login-username", "ident": ident}


def login_wait(request) -> float:
    """Seconds until this address and this username may try again; 0 if they may now. Each
    call counts as one try for both."""
    throttles = [_AddressThrottle(), _UsernameThrottle()]
    waits = [t.wait() for t in throttles if not t.allow_request(request, None)]
    return max(waits, default=0)


class LoginPage(LoginView):
    template_name = "meetings/web/login.html"
    next_page = reverse_lazy("web:meetings")  # when no ?next= says where to go

    def post(self, request, *args, **kwargs):
        if wait := login_wait(request):
            # An unbound form: a bound one would check the password when it shows its errors.
            username = request.POST.get("username", "")
            form = self.get_form_class()(request, initial={"username": username})
            seconds = math.ceil(wait)
            context = self.get_context_data(form=form, throttled_seconds=seconds)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)
