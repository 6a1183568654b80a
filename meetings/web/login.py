"""A plain login page for everyone (the admin's refuses people who are not staff), throttled by
the API login's own counters (scheduler.login_guard)."""

from django.contrib.auth.views import LoginView
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from scheduler.login_guard import guard_password_checks


def _refuse(request, seconds: int):
    # An unbound form: a bound one would check the password when it shows its errors.
    page = LoginPage(request=request, args=(), kwargs={})
    form = page.get_form_class()(request, initial={"username": request.POST.get("username", "")})
    return page.render_to_response(page.get_context_data(form=form, throttled_seconds=seconds))


@method_decorator(guard_password_checks(_refuse), name="dispatch")
class LoginPage(LoginView):
    template_name = "meetings/web/login.html"
    next_page = reverse_lazy("web:meetings")  # when no ?next= says where to go
