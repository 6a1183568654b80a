import zoneinfo

from django.core.exceptions import ValidationError


def validate_timezone(value: str) -> None:
    """Accept only IANA zone names (Europe/Paris, America/New_York, UTC)."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            "%(value)s is not an IANA time zone, such as Europe/Paris.",
            code="invalid_timezone",
            params={"value": value},
        ) from exc
