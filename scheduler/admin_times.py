"""Times in the admin, in the staff member's own zone (activated by admin_middleware), labelled.

Django prints "Jan. 5, 2026, 9 a.m." with no zone; a staff member in Paris could not tell UTC
from Paris time. Columns and read-only fields built here print "2026-01-05 10:00 CET", and
every date-time field of a form says which zone its entries are read in.
"""

from datetime import UTC, datetime

from django.contrib import admin
from django.db import models
from django.utils import timezone

EMPTY = "-"


def local(moment: datetime) -> datetime:
    try:
        return timezone.localtime(moment)
    except OverflowError:  # past the calendar's end in this zone: shown in UTC instead
        return moment.astimezone(UTC)


def local_time(moment: datetime | None) -> str:
    """2026-01-05 10:00 CET"""
    if moment is None:
        return EMPTY
    shown = local(moment)
    return f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"


def time_range(start: datetime, end: datetime) -> str:
    """2026-01-05 10:00–11:00 CET; the end's date when it is another day, its zone name when
    that differs (a change to summer time in between)."""
    first, last = local(start), local(end)
    shown = f"{first:%Y-%m-%d %H:%M}"
    if first.tzname() != last.tzname():
        shown += f" {first.tzname()}"
    end_format = "%H:%M" if first.date() == last.date() else "%Y-%m-%d %H:%M"
    return f"{shown}–{last.strftime(end_format)} {last.tzname()}"


def zone_note() -> str:
    """Which zone a form reads entered times in: "Europe/Paris time (now CET, UTC+01:00)"
    (a date in summer is read as CEST all the same)."""
    now = timezone.localtime()
    offset = now.strftime("%z")
    return (
        f"{timezone.get_current_timezone_name()} time "
        f"(now {now.tzname()}, UTC{offset[:3]}:{offset[3:]})"
    )


def zoned(field: str, description: str):
    """A ModelAdmin column or read-only field: `field` in the staff member's zone, labelled,
    sorted by the field itself."""

    @admin.display(description=description, ordering=field)
    def show(model_admin, obj) -> str:
        return local_time(getattr(obj, field))

    show.__name__ = f"{field}_local"
    return show


class ZonedTimesMixin:
    """For a ModelAdmin or an inline: each date-time field of its forms says which zone the
    times entered in it are read in (the staff member's own)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and formfield is not None:
            note = f"Read and shown in {zone_note()}."
            formfield.help_text = f"{formfield.help_text} {note}".strip()
        return formfield
