"""Telling a subscription's owner that it was disabled: never silently. An in-app notification
in the transaction that disables it, and an e-mail after the commit (tasks.email_owner, queued
by the task that made the last attempt)."""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification

from .models import Subscription

SUBJECT = "[Scheduler] Webhook disabled"


def subscription_disable(*, subscription_id: int, reason: str, now: datetime) -> int | None:
    """Disable the subscription and tell its owner in the app, once: the notification's id to
    e-mail after the commit, None if it was disabled already. Runs in the caller's
    transaction."""
    disabled = Subscription.objects.filter(pk=subscription_id, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300]
    )
    if not disabled:
        return None
    subscription = Subscription.objects.only("owner_id", "url").get(pk=subscription_id)
    # No kind of its own yet (a new kind is a migration of notifications): "updated", with
    # no meeting, and a message that says what happened.
    notification = Notification.objects.create(
        recipient_id=subscription.owner_id,
        kind=Notification.Kind.UPDATED,
        message=f"Your webhook to {subscription.url} was disabled: {reason} "
        "Fix the receiver, then turn it on again (PATCH is_active=true); "
        "what was not delivered is still in its delivery log.",
    )
    return notification.pk


def owner_email(*, notification_id: int) -> bool:
    """E-mail a disabled subscription's notice, at most once (the row is locked and marked in
    the transaction that sends it, as notifications.emails does)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        message = EmailMessage(
            subject=SUBJECT,
            body=f"{notification.message}\n\n{settings.SITE_URL}/api/webhooks/\n",
            to=[notification.recipient.email],
            headers={
                "Message-ID": f"<webhook-notice-{notification.pk}@"
                f"{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
            },
        )
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([message])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True
