from rest_framework.throttling import AnonRateThrottle


class LoginRateThrottle(AnonRateThrottle):
    """Token login attempts per client address, stricter than other anonymous requests:
    it is where passwords are guessed."""

    scope = "login"
