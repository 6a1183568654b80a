from django.contrib import admin

from scheduler.admin_pagination import EstimatedCountPaginator

from .models import Notification


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return (("no", "Unread"), ("yes", "Read"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "meeting", "created_at", "read_at")
    list_select_related = ("recipient", "meeting")
    list_filter = ("kind", ReadFilter, "created_at")
    search_fields = ("recipient__username", "message")
    autocomplete_fields = ("recipient", "meeting")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "event", "about_start", "emailed_at")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipient", "meeting")
