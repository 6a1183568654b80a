import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from knox.settings import knox_settings

from . import cache
from .models import CLIENT_MAX_LENGTH, AuthToken, User

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "timezone",
    "reminder_minutes",
    "work_start",
    "work_end",
    "working_days",
)


def user_lock(*, user_id: int) -> None:
    """Lock the user's row until the transaction ends: writes that count the user's things
    (tokens, webhooks) before adding one then take their turns. Call it inside a transaction."""
    User.objects.select_for_update().filter(pk=user_id).values_list("pk").get()


@transaction.atomic
def user_update_profile(*, user: User, **changes: object) -> User:
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
    the token exists this costs no query at all. Were the feed turned off between the loser's
    UPDATE and its read, it makes one again.
    """
    while not user.feed_token:
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


# -- API tokens --------------------------------------------------------------------------------
# One per login (a device or client), hashed by knox. Expired tokens never authenticate (the
# lookup leaves them out) and are deleted here, at their owner's next login; so a person has
# at most TOKEN_LIMIT_PER_USER rows, expired or not.
# Authenticated tokens are cached (accounts.cache): whatever deletes tokens flushes their
# owner's, here and wherever else (a user's deletion, accounts.signals). QuerySet.delete()
# sends no signal for these rows (nobody listens, so Django deletes them in one statement).


def client_name(text: str) -> str:
    """A client's name as shown in the token list: printable, one line, bounded."""
    printable = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(printable.split())[:CLIENT_MAX_LENGTH]


@transaction.atomic
def token_create(*, user: User, client: str = "") -> tuple[AuthToken, str]:
    """A new token for `user` and its key, which exists nowhere else: hand it to the client.

    Makes room first: the user's expired tokens go, and so do the least recently used ones
    beyond TOKEN_LIMIT_PER_USER - 1, in one DELETE. A limit that refused the login instead
    would lock out whoever reached it until a token expired. The user's row is locked for it:
    logins at the same moment make room one after the other, not each for itself.
    """
    user_lock(user_id=user.pk)
    now = timezone.now()
    keep = (
        AuthToken.objects.filter(user=user, expiry__gt=now)
        .order_by(F("last_used").desc(nulls_last=True), "-id")
        .values("pk")[: knox_settings.TOKEN_LIMIT_PER_USER - 1]
    )
    deleted, _ = AuthToken.objects.filter(user=user).exclude(pk__in=keep).delete()
    if deleted:
        cache.flush_user_tokens(user_ids=[user.pk])
    token, key = AuthToken.objects.create(
        user=user, expiry=knox_settings.TOKEN_TTL, client=client_name(client), last_used=now
    )
    cache.token_created(token=token)
    return token, key


def token_renew(*, token: AuthToken, now: datetime) -> bool:
    """Note the token's use and push its expiry back (knox's auto-refresh), in one UPDATE at
    most once a MIN_REFRESH_INTERVAL. True if it wrote. Raises AuthToken.DoesNotExist if the
    token is gone: read from the cache, it may have been revoked since."""
    last = token.last_used or token.created
    if (now - last).total_seconds() <= knox_settings.MIN_REFRESH_INTERVAL:
        return False
    changes = {"last_used": now}
    if knox_settings.AUTO_REFRESH:
        changes["expiry"] = now + knox_settings.TOKEN_TTL
    if not AuthToken.objects.filter(pk=token.pk).update(**changes):
        raise AuthToken.DoesNotExist
    for name, value in changes.items():
        setattr(token, name, value)
    return True


def tokens_delete_expired(*, now: datetime) -> int:
    """Delete every expired token: they no longer work, and a person who never logs in again
    would otherwise keep theirs for ever. Run daily by Celery beat. No flush: a cached token
    counts until its expiry at the latest."""
    deleted, _ = AuthToken.objects.filter(expiry__lte=now).delete()
    return deleted


def token_revoke(*, user: User, token_id: int) -> bool:
    """End one of the user's tokens; False if they have none by that id."""
    deleted, _ = AuthToken.objects.filter(user=user, pk=token_id).delete()
    if deleted:
        cache.flush_user_tokens(user_ids=[user.pk])
    return bool(deleted)


def user_revoke_tokens(*, user: User) -> None:
    """End every token of the user (logout everywhere; a password change)."""
    AuthToken.objects.filter(user=user).delete()
    cache.flush_user_tokens(user_ids=[user.pk])


@transaction.atomic
def user_change_password(*, user: User, password: str, client: str = "") -> tuple[AuthToken, str]:
    """Set a new password (validated by the caller) and return a fresh token for `client`.

    Saving the password ends every token and session of the user (accounts.signals): the
    caller's own token too, hence the new one.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    return token_create(user=user, client=client)
