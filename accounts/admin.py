from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from scheduler.admin_lookups import SafeLookupsMixin
from scheduler.admin_pagination import EstimatedCountPaginator
from scheduler.admin_times import ZonedTimesMixin

from .models import User


@admin.register(User)
class UserAdmin(SafeLookupsMixin, ZonedTimesMixin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "Preferences",
            {
                "fields": (
                    "timezone",
                    "reminder_minutes",
                    "work_start",
                    "work_end",
                    "working_days",
                )
            },
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Preferences", {"fields": ("timezone",)}),
    )
    list_display = ("username", "email", "first_name", "last_name", "timezone", "is_staff")
    list_filter = ("is_staff", "is_superuser", "is_active")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
