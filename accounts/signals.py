"""A changed password ends every API token of its user, however it was changed.

The admin's password form, the API, `manage.py changepassword` and any set_password() then
save() all pass here. Sessions need nothing more: Django keeps a hash of the password in each
session and refuses a session whose hash no longer matches (the view that changed the password
keeps its own session with update_session_auth_hash()).
"""

from django.db.models.signals import post_save

from . import services
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


def connect() -> None:
    post_save.connect(
        revoke_tokens_on_password_change, sender=User, dispatch_uid="accounts.revoke_tokens"
    )
