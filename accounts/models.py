from django.contrib.auth.models import AbstractUser
from django.db import models

from .validators import validate_timezone


class User(AbstractUser):
    """A person who organizes or attends meetings."""

    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA time zone name, such as Europe/Paris.",
    )

    REMINDER_CHOICES = [
        (0, "No reminders"),
        (5, "5 minutes"),
        (10, "10 minutes"),
        (15, "15 minutes"),
        (30, "30 minutes"),
        (60, "1 hour"),
        (1440, "1 day"),
    ]
    reminder_minutes = models.PositiveSmallIntegerField(
        default=15,
        choices=REMINDER_CHOICES,
        help_text="How long before a meeting to be reminded of it.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username
