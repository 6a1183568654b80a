"""Admin lists that ignore a filter they cannot apply, and say so, instead of answering 500.

Django redirects to the bare list (`?e=1`) when a lookup in the query string cannot be applied
(IncorrectLookupParameters), but only for errors it meets while building the query. Dates at
the edge of the calendar fail later: the date hierarchy's day after 9999-12-31 is past what a
datetime holds, and a date that exists in the staff member's zone may not once converted to
UTC, which happens when the query runs. Those are refused the same way here.
"""

from datetime import datetime, time

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

IGNORED = "A filter was ignored: its value cannot be used (a date out of range, for one)."


class SafeChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:  # the date hierarchy's end of period
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except (ValueError, OverflowError) as error:  # a date converted to UTC for the query
            raise IncorrectLookupParameters(error) from error


class ZonedDateTimeFilter(admin.DateFieldListFilter):
    """Django's date filter for a DateTimeField, reading a date typed into the address
    (`?start_time__gte=2026-03-02`) in the staff member's zone, as its own links are: Django
    would read it in UTC, with a warning. A date that no datetime holds is a filter ignored."""

    def queryset(self, request, queryset):
        bounds = {self.lookup_kwarg_since, self.lookup_kwarg_until}
        try:
            lookups = {
                name: [_aware(value) for value in values] if name in bounds else values
                for name, values in self.used_parameters.items()
            }
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset.filter(build_q_object_from_lookup_parameters(lookups))


def _aware(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(f"Not a date: {value!r}")
        moment = datetime.combine(day, time())
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class SafeLookupsMixin:
    """For a ModelAdmin: its list refuses filters it cannot apply with a message."""

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 302 and response["Location"].endswith(f"?{ERROR_FLAG}=1"):
            messages.warning(request, IGNORED)
        return response
