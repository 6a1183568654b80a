"""Throttles as fixed-window counters in the shared cache.

DRF's own throttles keep, per client, the list of every request time in the window and read
and rewrite that whole list on each request: at the generous user rate (10,000 an hour) the
list holds up to 10,000 entries, and the load test saw throughput fall by half as it grew. A
counter per client and window costs one INCR whatever the rate; the window is fixed rather
than sliding, so a client may get up to twice the rate across a window's edge, which
throttling abuse does not mind. Counters live in the cache (Redis in production), so the
limits hold across server processes.
"""

import time

from rest_framework.throttling import SimpleRateThrottle


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
        key = f"{self.key}:{window}"
        try:
            count = self.cache.incr(key)
        except ValueError:  # first request of the window
            count = 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)
        if count is None:  # the cache is down: do not lock everybody out
            return True
        return count <= self.num_requests

    def wait(self):
        return max(1.0, self.retry_after)


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

    As a view's throttle it only reads the count, so that an address over the limit is refused
    before any lookup (were the secret looked up first, a right guess would still get through);
    the view adds each miss with count_miss()."""

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


class LoginRateThrottle(AnonRateThrottle):
    """Token login attempts per client address, stricter than other anonymous requests:
    it is where passwords are guessed."""

    scope = "login"
