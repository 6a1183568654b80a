from datetime import time

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from .validators import validate_timezone, validate_working_days

CLIENT_MAX_LENGTH = 100


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

    # Working hours, in the user's own time zone: find-a-time proposes only these.
    work_start = models.TimeField(default=time(9), help_text="Start of the working day.")
    work_end = models.TimeField(
        default=time(17), help_text="End of the working day (after its start)."
    )
    working_days = models.CharField(
        max_length=7,
        default="12345",
        validators=[validate_working_days],
        help_text="ISO weekdays worked, 1 = Monday ... 7 = Sunday, such as 12345.",
    )

    # The secret of the user's calendar feed URL; None until they first ask for it.
    feed_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        # Silk shows SQL, bodies and timings of everyone's requests: staff status alone is not
        # enough to read it.
        permissions = [("profile", "Can open the Silk profiler")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(work_end__gt=models.F("work_start")),
                name="user_work_end_after_start",
                violation_error_message="The working day must end after it starts.",
            ),
        ]

    def clean(self):
        super().clean()
        if self.work_start and self.work_end and self.work_end <= self.work_start:
            raise ValidationError({"work_end": "The working day must end after it starts."})

    def set_unusable_password(self):
        super().set_unusable_password()
        # Django marks a set_password() for the save that follows (`_password`); turning
        # password logins off is a password change too: accounts.signals acts on either.
        self._password_disabled = True

    @property
    def working_weekdays(self) -> frozenset[int]:
        return frozenset(int(day) for day in self.working_days)

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username


class AuthToken(AbstractAuthToken):
    """An API token of one device or client (knox's model, KNOX_TOKEN_MODEL points here).

    Only a SHA-512 digest of the token is stored, and its first characters (`token_key`) to
    find the row: a copy of this table logs nobody in. Knox makes the digest the primary key;
    a plain id replaces it so that people can name a token (to list or revoke it) without the
    digest leaving the server.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    client = models.CharField(
        max_length=CLIENT_MAX_LENGTH,
        blank=True,
        help_text="What the token is for, as the client named itself at login.",
    )
    # Written with the expiry, at most once per knox's MIN_REFRESH_INTERVAL: a request costs
    # no write of its own to keep it.
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_authtoken"
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.client or 'API token'} ({self.user_id})"
