"""The admin's date hierarchy without a DISTINCT over every row.

Django's date_hierarchy lists the years (months, days) that hold rows with
SELECT DISTINCT DATE_TRUNC(...) over the whole filtered list: 110 ms at a million meetings, on
every changelist load. This tag renders the same widget from MIN/MAX of the list (two index
probes) and offers every period between the first and the last; a period without rows
then shows an empty list, which is cheaper than finding out in advance.
"""

from datetime import UTC, date, datetime, timedelta

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.db.models import Max, Min
from django.utils import timezone

register = template.Library()


class _PeriodsBetweenFirstAndLast:
    """Stands in for cl.queryset inside Django's date_hierarchy()."""

    def __init__(self, queryset, field_name: str):
        self._queryset = queryset
        self._field_name = field_name
        self._bounds = None

    def aggregate(self, **aggregates):
        self._bounds = self._queryset.aggregate(**aggregates)
        return self._bounds

    def datetimes(self, field_name: str, kind: str) -> list:
        if self._bounds is None:
            self.aggregate(first=Min(field_name), last=Max(field_name))
        first, last = self._bounds["first"], self._bounds["last"]
        if first is None or last is None:
            return []
        return list(_periods(_local(first), _local(last), kind))

    dates = datetimes


class _ChangeListWithCheapDates:
    def __init__(self, cl):
        self._cl = cl
        self.queryset = _PeriodsBetweenFirstAndLast(cl.queryset, cl.date_hierarchy)

    def __getattr__(self, name):
        return getattr(self._cl, name)


def _local(value):
    if isinstance(value, datetime):
        if not timezone.is_aware(value):
            return value
        try:
            return timezone.localtime(value)
        except OverflowError:  # 9999-12-31 23:00 UTC is past the calendar east of UTC
            return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)  # a DateField's date


def _periods(first: datetime, last: datetime, kind: str):
    if kind == "year":
        yield from (date(year, 1, 1) for year in range(first.year, last.year + 1))
    elif kind == "month":
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            yield date(year, month, 1)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        day = first.date()
        while day <= last.date():
            yield day
            if day == date.max:  # the day after it is past what a date holds
                return
            day += timedelta(days=1)


def cheap_date_hierarchy(cl):
    return date_hierarchy(_ChangeListWithCheapDates(cl))


@register.tag(name="cheap_date_hierarchy")
def cheap_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=cheap_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
