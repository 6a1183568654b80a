"""Throttles as fixed-window counters in the shared cache.

DRF's own throttles keep, per client, the list of every request time in the window and read
and rewrite that whole list on each request: at the generous user rate (10,000 an hour) the
list holds up to 10,000 entries, and the load test saw throughput fall by half as it grew. A
counter per client and window costs one INCR whatever the rate; the window is fixed rather
than sliding, so a client may get up to twice the rate across a window's edge, which
throttling abuse does not mind. Counters live in the cache (Redis in production), so the
limits hold across server processes.
"""

import contextlib
import ipaddress
import time
import unicodedata

from django.utils.crypto import salted_hmac
from rest_framework.throttling import SimpleRateThrottle

from scheduler import caching


class WindowRateThrottle(SimpleRateThrottle):
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.retry_after = (window + 1) * self.duration - now
        self.window_key = key = f"{self.key}:{window}"
        count = self._counted(key)
        if count is None:  # the cache is down: do not lock everybody out
            return True
        return count <= self.num_requests

    def _counted(self, key: str) -> int | None:
        """This window's count, this request included."""
        if hasattr(self.cache, "pipelined"):  # Redis: one round trip, and no Lua as incr() has
            at = self.cache.make_key(key)
            replies = caching.pipelined(  # carries the request's read ahead, if any
                lambda pipe: (pipe.set(at, 0, ex=self.duration + 1, nx=True), pipe.incr(at))
            )
            return None if replies is None else replies[1]
        try:
            return self.cache.incr(key)
        except ValueError:  # first request of the window
            return 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)

    def wait(self):
        return max(1.0, self.retry_after)

    def get_ident(self, request):
        """The client's address, an IPv6 one as its /64: a single subscriber is routinely
        given a whole /64, so keyed by the full address, every limit per address would be
        2^64 limits to one attacker."""
        ident = super().get_ident(request)
        with contextlib.suppress(ValueError):
            address = ipaddress.ip_address(ident)
            if address.version == 6 and not address.ipv4_mapped:
                return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return ident


class UserRateThrottle(WindowRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonRateThrottle(WindowRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class FeedRateThrottle(WindowRateThrottle):
    """Calendar feed fetches per feed, not per address: calendar services (Google's, Apple's)
    fetch everybody's feeds from a few addresses, which a per-address limit would shut out.

    Keyed by the feed's owner, which the view sets once the secret is known to open a feed
    (view.feed_owner_id): never by the secret, or each guessed secret would leave a key behind
    (and the cache would hold the real ones)."""

    scope = "feed"

    def get_cache_key(self, request, view):
        owner_id = getattr(view, "feed_owner_id", None)
        if owner_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": owner_id}


class FeedMissRateThrottle(WindowRateThrottle):
    """Wrong feed secrets per client address: one counter per address, whatever it guesses.

    allow_request() only reads the count; the feed view calls it for a secret it did not find,
    then adds the miss with count_miss(). A feed that exists is served whatever its address
    missed (meetings.feed.api.views)."""

    scope = "feed_miss"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        now = time.time()
        window = int(now // self.duration)
        self.retry_after = (window + 1) * self.duration - now
        # The counter WindowRateThrottle.allow_request adds to; a cache that is down answers 0.
        return (self.cache.get(f"{self.key}:{window}") or 0) < self.num_requests

    def count_miss(self, request, view) -> None:
        super().allow_request(request, view)  # adds one to this window's counter


class LoginRateThrottle(WindowRateThrottle):
    """Login attempts per client address, all of them, stricter than other requests: it is
    where passwords are guessed. The login view authenticates nobody, and this keys by
    address whoever the caller says they are (a token header gets no pass)."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def username_ident(username: str) -> str:
    """The cache's name for a username: normalised (so that "Ada " and "ADA" count as one)
    and keyed-hashed (so that the cache holds no usernames, nor a dictionary could recover
    them)."""
    normalised = unicodedata.normalize("NFKC", username).strip().casefold()
    return salted_hmac("scheduler.login-failures", normalised, algorithm="sha256").hexdigest()


class LoginFailureThrottle(WindowRateThrottle):
    """Failed password checks per username, from any address: a guesser with many addresses
    gets no more guesses at one account than the rate.

    Only failures count, so the person who knows the password is not locked out by their own
    logins; an attacker can still lock an account out of new logins by failing on purpose,
    for the rest of the window at most (the account's tokens keep working). Each attempt takes
    a place before the password is checked and a success gives it back (`succeeded()`), so
    that guesses sent at once cannot overshoot the limit.
    """

    scope = "login_failures"

    def __init__(self, username: str):
        super().__init__()
        self.ident = username_ident(username)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}

    def attempt(self) -> bool:
        """Take a place for one password check; False when the username is locked out."""
        return self.allow_request(None, None)

    def succeeded(self) -> None:
        if self.rate is None or self.key is None:
            return
        with contextlib.suppress(ValueError):  # the window ended meanwhile
            self.cache.decr(self.window_key)
