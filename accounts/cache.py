"""API tokens as authenticated, kept in the shared cache: a request whose token was seen a moment
ago reads neither the token nor its user from the database. Nobody else writes these keys.

What the cache holds, under a SHA-256 of the token's digest (never the token, nor the digest the
database keeps): the token's id, client, creation, expiry and last use, and its user's fields
but the secret ones (the password's hash, the calendar feed's token) and the last login.
A user built from an entry loads those few fields with a query if something reads them.

Revocation is at once, in every process: each user has a generation in the cache, and an entry
counts only under the generation it was stored with. Every path that ends tokens or changes a
user bumps it (flush_user_tokens): one write ends all of a user's cached tokens, however the
tokens were deleted (one by one, in bulk, by cascade). A reader reads the generation before the
database, so a reader that loses a race against a revocation stores what it read under the
old generation, where nobody takes it for current. Reading the generation first needs the
token's owner before the database says who it is: token_create() notes it under the token
(the owner never changes), and a token first seen without that note is looked up without being
cached, and noted. Each process remembers the owners it has seen, so that a warm request makes
one cache round trip.

An entry lives TOKEN_CACHE_SECONDS at most, and never past the token's expiry: that bounds how
long a bump lost to a cache failure could leave a revoked token working. A cache local to one
process cannot carry a bump to the others: production without Redis turns this cache off.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import router, transaction
from django.utils import timezone
from knox.settings import CONSTANTS, knox_settings

from scheduler import caching
from scheduler.cache_backend import tried_even_if_unavailable

from .models import AuthToken, User

# Read with a query when something asks for them: secrets, and what a login changes (a login
# would otherwise make every token of its user cold).
UNCACHED_USER_FIELDS = frozenset({"password", "feed_token", "last_login"})
USER_FIELDS = tuple(
    f.attname for f in User._meta.concrete_fields if f.attname not in UNCACHED_USER_FIELDS
)
# The token's digest and the first characters of the token (token_key) stay out: the request
# brings the token, and both are rebuilt from it.
TOKEN_COLUMNS = tuple(f.attname for f in AuthToken._meta.concrete_fields)
TOKEN_FIELDS = tuple(name for name in TOKEN_COLUMNS if name not in {"digest", "token_key"})
OWNERS_REMEMBERED = 100_000  # per process: an id and a short string each


def _token_hash(digest: str) -> str:
    return hashlib.sha256(digest.encode()).hexdigest()[:32]


def token_key(token_hash: str) -> str:
    # Per release: what an entry holds may change with the code.
    return caching.release_key(f"accounts:token:{token_hash}")


def owner_key(token_hash: str) -> str:
    return f"accounts:token-owner:{token_hash}"


def generation_key(user_id: int) -> str:
    # Not per release: a revocation by either release counts for both during a rolling deploy.
    return f"accounts:tokens:gen:u{user_id}"


_owners: dict[str, int] = {}  # token hash -> user id: a token never changes hands


def _remember_owner(token_hash: str, user_id: int) -> None:
    if len(_owners) >= OWNERS_REMEMBERED:
        _owners.clear()
    _owners[token_hash] = user_id


def _enabled() -> bool:
    return settings.TOKEN_CACHE_SECONDS > 0


@dataclass(frozen=True)
class Authenticated:
    token: AuthToken  # its user comes with it (token.user costs no query)
    hit: bool  # from the cache: the database was not asked
    generation: str | None  # the owner's, read before the database; None: not to be cached
    # A hit's: when what the entry holds was read from the database, plus TOKEN_CACHE_SECONDS.
    # Storing it again (after a renewal) keeps that end, so that no entry holds a user older
    # than TOKEN_CACHE_SECONDS whatever invalidation a cache failure lost.
    until: datetime | None = None


def token_authenticated(
    *, key: str, digest: str, load: Callable[[], AuthToken | None]
) -> Authenticated | None:
    """The live token of this key (the request's) and digest, with its user: from the cache,
    else load() (from the database; None if there is no such live token)."""
    if not _enabled():
        token = load()
        return None if token is None else Authenticated(token, hit=False, generation=None)
    token_hash = _token_hash(digest)
    user_id = _owners.get(token_hash)
    entry, user_id, generation = _read(token_hash, user_id)
    if (
        entry is not None
        and generation is not None
        and entry["generation"] == generation
        and entry["token"]["expiry"] > timezone.now()  # the cache's clock may not be ours
    ):
        token = _built(entry, key=key, digest=digest)
        return Authenticated(token, hit=True, generation=generation, until=entry["until"])
    token = load()
    if token is None:
        return None
    if user_id != token.user_id:  # first seen: the owner was not known before the database
        _note_owner(token_hash, token.user_id)
        generation = None
    return Authenticated(token, hit=False, generation=generation)


def _read(token_hash: str, user_id: int | None) -> tuple[dict | None, int | None, str | None]:
    """The entry, its owner and the owner's generation: one round trip when this process knows
    the owner, two the first time."""
    entry_at, owner_at = token_key(token_hash), owner_key(token_hash)
    if user_id is not None:
        found = cache.get_many([entry_at, generation_key(user_id)])
    else:
        found = cache.get_many([entry_at, owner_at])
        user_id = found.get(owner_at)
        if user_id is None:
            return None, None, None
        _remember_owner(token_hash, user_id)
        found.update(cache.get_many([generation_key(user_id)]))
    generation = found.get(generation_key(user_id)) or _start_generation(user_id)
    return found.get(entry_at), user_id, generation


def _start_generation(user_id: int) -> str:
    # First use, or evicted: an entry stored under an older generation is never current again.
    key, generation = generation_key(user_id), caching.new_token()
    if cache.add(key, generation, None):
        return generation
    return cache.get(key) or generation


def _built(entry: dict, *, key: str, digest: str) -> AuthToken:
    """The token and its user as the database would give them, without asking it."""
    db = router.db_for_read(AuthToken)
    user_data = entry["user"]
    user = User.from_db(db, USER_FIELDS, [user_data[name] for name in USER_FIELDS])
    # In the model's order: from_db() takes a full row as one.
    values = {**entry["token"], "digest": digest, "token_key": key[: CONSTANTS.TOKEN_KEY_LENGTH]}
    token = AuthToken.from_db(db, tuple(values), [values[name] for name in TOKEN_COLUMNS])
    token.user = user
    return token


def token_store(found: Authenticated) -> None:
    """Keep the token as it is now (its expiry and last use just renewed, say), if it was read
    under a generation; until its expiry at the latest."""
    if found.generation is None or not _enabled():
        return
    token = found.token
    if token.expiry is None:  # never authenticates here (the lookup wants an expiry ahead)
        return
    now = timezone.now()
    until = found.until or now + timedelta(seconds=settings.TOKEN_CACHE_SECONDS)
    timeout = int((min(until, token.expiry) - now).total_seconds())
    if timeout <= 0:
        return
    entry = {
        "generation": found.generation,
        "until": until,
        "token": {name: getattr(token, name) for name in TOKEN_FIELDS},
        "user": {name: getattr(token.user, name) for name in USER_FIELDS},
    }
    cache.set(token_key(_token_hash(token.digest)), entry, timeout)


def _note_owner(token_hash: str, user_id: int) -> None:
    _remember_owner(token_hash, user_id)
    ttl = int(knox_settings.TOKEN_TTL.total_seconds()) if knox_settings.TOKEN_TTL else None
    cache.set(owner_key(token_hash), user_id, ttl)


def token_created(*, token: AuthToken) -> None:
    """Note a new token's owner, so that its first request may already be cached."""
    if _enabled():
        _note_owner(_token_hash(token.digest), token.user_id)


# -- invalidation ----------------------------------------------------------------------------


def flush_user_tokens(*, user_ids: Iterable[int]) -> None:
    """No cached token of these users counts any more, from the commit of the transaction that
    ended the tokens or changed the users (at once outside a transaction).

    After the commit: a request that reads the cache then the database in between would find
    the tokens still there, and cache them under the new generation.
    """
    user_ids = set(user_ids)
    if user_ids:
        transaction.on_commit(lambda: _bump(user_ids))


def _bump(user_ids: set[int]) -> None:
    # Tried even while this process's breaker is open: other processes may be reading.
    with tried_even_if_unavailable():
        cache.set_many({generation_key(u): caching.new_token() for u in user_ids}, None)


def user_fields_cached(update_fields: Iterable[str] | None) -> bool:
    """Whether a save of these fields (None: all) changes what an entry holds of a user."""
    return update_fields is None or not set(update_fields) <= UNCACHED_USER_FIELDS
