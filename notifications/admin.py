from django.contrib import admin, messages
from django.db import transaction

from scheduler.admin_lookups import SafeLookupsMixin, ZonedDateTimeFilter
from scheduler.admin_pagination import EstimatedCountPaginator

from . import tasks
from .models import Event, Notification


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
class NotificationAdmin(SafeLookupsMixin, admin.ModelAdmin):
    list_display = ("recipient", "kind", "meeting", "created_at", "read_at")
    list_select_related = ("recipient", "meeting")
    list_filter = ("kind", ReadFilter, ("created_at", ZonedDateTimeFilter))
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


class DeliveryFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return (("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed"))

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(delivered_at__isnull=True, failed_at__isnull=True)
        if self.value() == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(failed_at__isnull=False)
        return queryset


@admin.register(Event)
class EventAdmin(SafeLookupsMixin, admin.ModelAdmin):
    """The outbox: what people are being told, and whether it reached them."""

    list_display = ("kind", "meeting_id", "created_at", "attempts", "delivered_at", "failed_at")
    list_filter = (DeliveryFilter, "kind")
    ordering = ("-created_at",)
    readonly_fields = [field.name for field in Event._meta.fields]
    actions = ("deliver_again",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    @admin.action(description="Deliver again (nobody gets anything twice)", permissions=["change"])
    def deliver_again(self, request, queryset):
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        queryset.update(failed_at=None, attempts=0)
        transaction.on_commit(lambda: tasks.enqueue_deliveries(ids))
        self.message_user(request, f"Queued {len(ids)} event(s).", messages.SUCCESS)
