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

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username
