import functools
import zoneinfo

from django.core.exceptions import ValidationError

# Files of the zone database that are no place: the host's own zone, a placeholder.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def _iana_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - NOT_ZONES


def iana_zone_names() -> list[str]:
    return sorted(_iana_zones())


def validate_timezone(value: str) -> None:
    """Accept only IANA zone names (Europe/Paris, America/New_York, UTC).

    Membership in the zone list, not ZoneInfo(value), because ZoneInfo also loads odd files
    of the zone database ("posixrules", "localtime") that no user means.
    """
    if value not in _iana_zones():
        raise ValidationError(
            "%(value)s is not an IANA time zone, such as Europe/Paris.",
            code="invalid_timezone",
            params={"value": value},
        )


def validate_working_days(value: str) -> None:
    """ISO weekday digits, each at most once: "12345" is Monday to Friday."""
    if not value or any(day not in "1234567" for day in value) or len(set(value)) != len(value):
        raise ValidationError(
            "Give ISO weekdays as digits 1 (Monday) to 7 (Sunday), each once, such as 12345.",
            code="invalid_working_days",
        )
