from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from . import bench_views, performance, views
from .api import errors
from .login_guard import form_again, guard_password_checks

admin.site.site_header = "Scheduler administration"
admin.site.site_title = "Scheduler admin"
admin.site.index_title = "Meetings, people and notifications"


def _own_username(request):
    return request.user.get_username() if request.user.is_authenticated else None


# The admin's password checks count with the API's and the people's page's: its login, and the
# old password its password change asks for (someone holding a staff session must not guess it
# without limit). A change that went through answers a redirect.
admin_login = guard_password_checks(form_again(admin.site.login))(admin.site.login)
admin_password_change = guard_password_checks(
    form_again(admin.site.password_change),
    username=_own_username,
    passed=lambda request, response: response.status_code == 302,
)(admin.site.password_change)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path(
        "admin/performance/",
        admin.site.admin_view(performance.performance),
        name="admin-performance",
    ),
    path("admin/login/", admin_login),
    path("admin/password_change/", admin_password_change),
    path("admin/", admin.site.urls),
    path("api/", include("scheduler.api.urls")),
    path("healthz/", views.health, name="health"),
    path("", include("meetings.web.urls")),  # pages for people: log in, a meeting, its answers
]

if settings.BENCHMARK_VIEWS:
    urlpatterns += [
        path("api/bench/constant/", bench_views.ConstantView.as_view()),
        path("api/bench/raw-list/", bench_views.RawListView.as_view()),
    ]

if "silk" in settings.INSTALLED_APPS:  # its pages; it records only with SILK_ENABLED
    urlpatterns += [path("silk/", include("silk.urls", namespace="silk"))]

if "debug_toolbar" in settings.INSTALLED_APPS:
    urlpatterns += [path("__debug__/", include("debug_toolbar.urls"))]

# Last: under /api/, what no route above takes answers JSON (a 308 to the URL with its slash, or
# a 404), even in DEBUG, where Django's own 404 page is HTML.
urlpatterns += [re_path(r"^api(?:/[\s\S]*)?$", errors.api_fallback, name="api-fallback")]

handler400 = "scheduler.api.errors.bad_request"
handler404 = "scheduler.api.errors.not_found"
handler500 = "scheduler.api.errors.server_error"
