from django.db import transaction

from .models import User

PROFILE_FIELDS = ("first_name", "last_name", "timezone", "reminder_minutes")


@transaction.atomic
def user_update_profile(*, user: User, **changes) -> User:
    """Change the user's own name, time zone or reminder time (validated by the caller)."""
    changed = [
        name for name in PROFILE_FIELDS if name in changes and getattr(user, name) != changes[name]
    ]
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.save(update_fields=changed)
    return user
