"""A plain login page for everyone (the admin's refuses people who are not staff), throttled by
the API login's own counters: attempts per address, failures per username tried, in the shared
cache. Guesses made here and at POST /api/auth/token/ count together."""

import math

from django.contrib.auth.views import LoginView
from django.urls import reverse_lazy

from scheduler.api.throttling import LoginFailureThrottle, LoginRateThrottle


class LoginPage(LoginView):
    template_name = "meetings/web/login.html"
    next_page = reverse_lazy("web:meetings")  # when no ?next= says where to go

    def post(self, request, *args, **kwargs):
        address = LoginRateThrottle()
        if not address.allow_request(request, None):
            return self._throttled(request, address.wait())
        failures = LoginFailureThrottle(request.POST.get("username", ""))
        if not failures.attempt():
            return self._throttled(request, failures.wait())
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:  # the password was right: no failure to count
            failures.succeeded()
        return response

    def _throttled(self, request, wait: float):
        # An unbound form: a bound one would check the password when it shows its errors.
        username = request.POST.get("username", "")
        form = self.get_form_class()(request, initial={"username": username})
        seconds = math.ceil(wait)
        context = self.get_context_data(form=form, throttled_seconds=seconds)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(seconds)
        return response
