from collections.abc import Iterable

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import AuthToken, User


def user_search(*, term: str = "") -> QuerySet[User]:
    """Active people whose username or name contains `term`, only the columns anyone may see.

    The API requires a term of two characters or more: no listing of everybody."""
    term = term.strip()
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(username__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
        )
        .only("id", "username", "first_name", "last_name")
        .order_by("username", "id")
    )


def user_refs(*, user_ids: Iterable[int]) -> dict[int, dict]:
    """{id: {"id", "username"}} for the given people, in one query."""
    rows = User.objects.filter(pk__in=list(user_ids)).values_list("id", "username")
    return {user_id: {"id": user_id, "username": username} for user_id, username in rows}


def token_list(*, user: User) -> QuerySet[AuthToken]:
    """The user's tokens that still work, most recently used first; never the digest."""
    return (
        AuthToken.objects.filter(user=user, expiry__gt=timezone.now())
        .only("id", "user_id", "client", "created", "expiry", "last_used")
        .order_by(F("last_used").desc(nulls_last=True), "-id")
    )
