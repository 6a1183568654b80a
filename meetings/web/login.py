"""A plain login page for everyone (the admin's refuses people who are not staff), throttled by
the API login's own counters (scheduler.login_guard)."""

from django.contrib.auth.views import LoginView
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from scheduler.login_guard import form_again, guard_password_checks


def _show_form(request, extra_context):
    return LoginPage.as_view(extra_context=extra_context)(request)


@method_decorator(guard_password_checks(form_again(_show_form)), name="dispatch")
class LoginPage(LoginView):
    template_name = "meetings/web/login.html"
    next_page = reverse_lazy("web:meetings")  # when no ?next= says where to go
