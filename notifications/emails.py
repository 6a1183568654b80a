"""E-mail for notifications, through Django's e-mail backend, each at most once."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from .models import Notification

SUBJECTS = {
    Notification.Kind.INVITATION: "Invitation",
    Notification.Kind.UPDATED: "Meeting changed",
    Notification.Kind.CANCELLED: "Meeting cancelled",
    Notification.Kind.PARTICIPANT_REMOVED: "Invitation withdrawn",
    Notification.Kind.RSVP: "Answer received",
    Notification.Kind.REMINDER: "Reminder",
}


def MESSAGE_ID_DOMAIN() -> str:  # noqa: N802 - reads like the setting it is
    return settings.EMAIL_MESSAGE_ID_DOMAIN


def _link(notification: Notification) -> str:
    """A page the recipient can open in a browser (after logging in): the meeting's own, or
    their list of meetings when they may no longer see it (removed, or deleted since)."""
    if notification.meeting_id and notification.kind != Notification.Kind.PARTICIPANT_REMOVED:
        path = reverse("web:meeting", kwargs={"pk": notification.meeting_id})
    else:
        path = reverse("web:meetings")
    return f"{settings.SITE_URL}{path}"


def _message(notification: Notification) -> EmailMessage:
    return EmailMessage(
        subject=f"[Scheduler] {SUBJECTS.get(notification.kind, 'News')}",
        body=f"{notification.message}\n\n{_link(notification)}\n",
        to=[notification.recipient.email],
        # The same id on every attempt, so that mail systems can drop a copy.
        headers={
            "Message-ID": f"<notification-{notification.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
        },
    )


def send_pending_emails(notifications: QuerySet[Notification]) -> int:
    """E-mail the notifications among `notifications` that have not been e-mailed yet.

    The rows are locked (others skip them) while their mail goes out over one connection and
    are marked sent in the same transaction: a retry never sends them again. A worker killed
    after the mail server accepted a message and before the commit sends it once more on the
    retry, with the same Message-ID; nothing can close that window short of the mail server.
    """
    with transaction.atomic():
        pending = list(
            notifications.filter(emailed_at__isnull=True)
            .select_related("recipient")
            .select_for_update(skip_locked=True, of=("self",))
        )
        messages = [_message(n) for n in pending if n.recipient.email]
        if messages:
            with get_connection(fail_silently=False) as connection:
                connection.send_messages(messages)
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
    return len(messages)
