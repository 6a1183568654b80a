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
