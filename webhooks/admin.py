from django.contrib import admin, messages

from scheduler.admin_lookups import SafeLookupsMixin
from scheduler.admin_pagination import EstimatedCountPaginator
from scheduler.admin_times import ZonedTimesMixin, zoned
from scheduler.db.replica import ReplicaChangelistMixin

from . import services
from .models import Delivery, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(
    ReplicaChangelistMixin, SafeLookupsMixin, ZonedTimesMixin, admin.ModelAdmin
):
    """Staff see and switch off webhooks; the secret is never shown (owners rotate it)."""

    list_display = ("url", "owner", "is_active", "disabled", "next_sequence", "created")
    list_select_related = ("owner",)
    list_filter = ("is_active",)
    search_fields = ("url", "owner__username")
    fields = ("owner", "url", "events", "is_active", "disabled", "disabled_reason", "created")
    # Staff switch a webhook off or on, through the service; the URL and events are its
    # owner's (and the URL's checks live in the API's service).
    readonly_fields = ("owner", "url", "events", "disabled", "disabled_reason", "created")
    ordering = ("-id",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    created = zoned("created_at", "created at")
    disabled = zoned("disabled_at", "disabled at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").defer("secret")

    def has_add_permission(self, request):
        return False  # made through the API, where the owner sees the secret once

    def save_model(self, request, obj, form, change):
        if "is_active" in form.changed_data:
            stored = Subscription.objects.get(pk=obj.pk)
            services.subscription_update(
                subscription=stored,
                is_active=obj.is_active,
                off_reason=f"Turned off by staff ({request.user.get_username()}).",
            )


@admin.register(Delivery)
class DeliveryAdmin(ReplicaChangelistMixin, SafeLookupsMixin, ZonedTimesMixin, admin.ModelAdmin):
    """The delivery log: read-only, newest first; failed ones can be sent again."""

    list_display = (
        "webhook_id",
        "subscription",
        "sequence",
        "event_type",
        "status",
        "attempts",
        "response_code",
        "duration_ms",
        "created",
        "delivered",
    )
    list_select_related = ("subscription",)
    list_filter = ("status", "event_type")
    search_fields = ("webhook_id",)
    ordering = ("-id",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    actions = ("redeliver",)
    fields = readonly_fields = (
        "subscription",
        "sequence",
        "webhook_id",
        "event_type",
        "status",
        "attempts",
        "next_attempt",
        "last_attempt",
        "response_code",
        "duration_ms",
        "error",
        "created",
        "delivered",
        "payload",
    )

    created = zoned("created_at", "created at")
    delivered = zoned("delivered_at", "delivered at")
    next_attempt = zoned("next_attempt_at", "next attempt at")
    last_attempt = zoned("last_attempt_at", "last attempt at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("subscription")
            .defer("subscription__secret", "subscription__events")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)  # actions only

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again (same webhook-id)", permissions=["change"])
    def redeliver(self, request, queryset):
        sent = 0
        for delivery in queryset.exclude(status=Delivery.Status.PENDING):
            services.delivery_redeliver(delivery=delivery)
            sent += 1
        self.message_user(request, f"Queued {sent} delivery(ies) again.", messages.SUCCESS)
