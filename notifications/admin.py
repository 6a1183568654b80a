from django.contrib import admin, messages
from django.db import models, transaction

from scheduler.admin_lookups import SafeLookupsMixin, ZonedDateTimeFilter
from scheduler.admin_pagination import EstimatedCountPaginator
from scheduler.admin_times import ZonedTimesMixin, zoned
from scheduler.db.replica import ReplicaChangelistMixin

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
class NotificationAdmin(
    ReplicaChangelistMixin, SafeLookupsMixin, ZonedTimesMixin, admin.ModelAdmin
):
    list_display = ("recipient", "kind", "meeting", "created", "read")
    list_select_related = ("recipient", "meeting")
    list_filter = ("kind", ReadFilter, ("created_at", ZonedDateTimeFilter))
    search_fields = ("recipient__username", "message")
    autocomplete_fields = ("recipient", "meeting")
    date_hierarchy = "created_at"
    readonly_fields = ("created", "event", "about", "emailed")
    exclude = ("about_start", "emailed_at")  # shown read-only, in the staff member's zone
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    created = zoned("created_at", "created at")
    read = zoned("read_at", "read at")
    about = zoned("about_start", "reminds of the start at")
    emailed = zoned("emailed_at", "e-mailed at")

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
class EventAdmin(ReplicaChangelistMixin, SafeLookupsMixin, ZonedTimesMixin, admin.ModelAdmin):
    """The outbox: what people are being told, and whether it reached them."""

    list_display = ("kind", "meeting_id", "created", "attempts", "delivered", "failed")
    list_filter = (DeliveryFilter, "kind")
    ordering = ("-created_at",)
    # Everything read-only, date-times in the staff member's zone.
    fields = readonly_fields = [
        f"{field.name}_local" if isinstance(field, models.DateTimeField) else field.name
        for field in Event._meta.fields
    ]
    actions = ("deliver_again",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    created_at_local = created = zoned("created_at", "created at")
    last_attempt_at_local = zoned("last_attempt_at", "last attempt at")
    delivered_at_local = delivered = zoned("delivered_at", "delivered at")
    failed_at_local = failed = zoned("failed_at", "failed at")

    def has_add_permission(self, request):
        return False

    @admin.action(description="Deliver again (nobody gets anything twice)", permissions=["change"])
    def deliver_again(self, request, queryset):
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        queryset.update(failed_at=None, attempts=0)
        transaction.on_commit(lambda: tasks.enqueue_deliveries(ids))
        self.message_user(request, f"Queued {len(ids)} event(s).", messages.SUCCESS)
