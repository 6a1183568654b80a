"""A changed password ends every API token of its user, however it was changed; a changed or
deleted user is no longer what the token cache holds of them.

The admin's password form, the API, `manage.py changepassword` and any set_password() then
save() all pass here. Sessions need nothing more: Django keeps a hash of the password in each
session and refuses a session whose hash no longer matches (the view that changed the password
keeps its own session with update_session_auth_hash()).
"""

from django.db.models.signals import post_delete, post_save

from . import cache, services
from .models import User


def revoke_tokens_on_password_change(sender, instance: User, created, update_fields, **kwargs):
    # Django's own mark of a set_password() that this save stores: it is cleared right after
    # this signal, and never set by the rehash that check_password() may do on login.
    changed = instance._password is not None
    disabled = instance.__dict__.pop("_password_disabled", False)
    if created or not (changed or disabled):
        return
    if update_fields is not None and "password" not in update_fields:
        return
    services.user_revoke_tokens(user=instance)


def flush_changed_user(sender, instance: User, created, update_fields, **kwargs):
    # A deactivation, a new time zone, staff status...: requests read them from the cache. A
    # new user has no token yet; a login (last_login) or a rehashed password changes nothing
    # cached.
    if not created and cache.user_fields_cached(update_fields):
        cache.flush_user_tokens(user_ids=[instance.pk])


def flush_deleted_user(sender, instance: User, **kwargs):
    # Their tokens went with them, by cascade, in one statement that no signal reports.
    cache.flush_user_tokens(user_ids=[instance.pk])


def connect() -> None:
    post_save.connect(
        revoke_tokens_on_password_change, sender=User, dispatch_uid="accounts.revoke_tokens"
    )
    post_save.connect(flush_changed_user, sender=User, dispatch_uid="accounts.flush_user")
    post_delete.connect(flush_deleted_user, sender=User, dispatch_uid="accounts.flush_deleted")
