import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import User

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "timezone",
    "reminder_minutes",
    "work_start",
    "work_end",
    "working_days",
)


@transaction.atomic
def user_update_profile(*, user: User, **changes) -> User:
    """Change the user's own name, time zone, reminder time or working hours (each validated by
    the caller). What changes is decided against the row as locked, not against `user`, which
    may be a copy read before another request changed it: so that two requests changing one
    end of the working day each cannot together make it end before it starts."""
    saved = User.objects.select_for_update().only(*PROFILE_FIELDS).get(pk=user.pk)
    changed = [
        name for name in PROFILE_FIELDS if name in changes and getattr(saved, name) != changes[name]
    ]
    for name in changed:
        setattr(saved, name, changes[name])
    if saved.work_end <= saved.work_start:
        raise ValidationError({"work_end": "The working day must end after it starts."})
    if changed:
        saved.save(update_fields=changed)
    for name in PROFILE_FIELDS:  # the caller's copy shows the profile as saved
        setattr(user, name, getattr(saved, name))
    return user


# -- the calendar feed's secret -------------------------------------------------------------
# The token is the feed's only credential (calendar applications cannot send a header): 32
# random bytes, URL-safe, 43 characters. Nothing is cached under it, so a new or cleared token
# takes effect with the next request.


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def user_feed_token(*, user: User) -> str:
    """The user's feed token, made on first use.

    Two first requests at once must agree on one token: the UPDATE only fills an empty one,
    and the loser reads the winner's. One statement needs no transaction of its own, and once
    the token exists this costs no query at all.
    """
    if user.feed_token:
        return user.feed_token
    token = _new_feed_token()
    if User.objects.filter(pk=user.pk, feed_token__isnull=True).update(feed_token=token):
        user.feed_token = token
    else:
        user.refresh_from_db(fields=["feed_token"])
    return user.feed_token


@transaction.atomic
def user_rotate_feed_token(*, user: User) -> str:
    """A new feed token: the old URL stops working at once."""
    user.feed_token = _new_feed_token()
    User.objects.filter(pk=user.pk).update(feed_token=user.feed_token)
    return user.feed_token


@transaction.atomic
def user_disable_feed(*, user: User) -> None:
    """No feed until the user asks for one again (which makes a new URL)."""
    user.feed_token = None
    User.objects.filter(pk=user.pk).update(feed_token=None)
