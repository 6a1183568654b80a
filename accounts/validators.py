import functools
import zoneinfo

from django.core.exceptions import ValidationError

# Files of the zone database that are no place: the host's own zone, a placeholder.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


# Other names of Etc/GMT that differ only by a zero offset and its sign. Generated clients turn
# enum members into identifiers, and these collide there (openapi-python-client makes GMT0 of
# both GMT0 and GMT+0, and refuses the schema): they are accepted, stored as Etc/GMT and left
# out of the schema's list.
ZONE_ALIASES = {
    alias: "Etc/GMT" for alias in ("GMT0", "GMT+0", "GMT-0", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0")
}


@functools.cache
def _iana_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - NOT_ZONES


def iana_zone_names() -> list[str]:
    """Every zone the server accepts, under one name each (no alias of ZONE_ALIASES)."""
    return sorted(_iana_zones() - ZONE_ALIASES.keys())


def canonical_zone(name: str) -> str:
    return ZONE_ALIASES.get(name, name)


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
