"""Recurring meetings in the admin: a series with its rule in words and its occurrences.

Read-only: a series' rule and fields change through the scoped services (the API), which
remake occurrences, keep exceptions and tell people; a raw edit here would do none of that.
"""

from django.contrib import admin, messages
from django.db.models import Q
from django.db.models.query import ModelIterable
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import User
from scheduler.admin_lookups import SafeChangeList, SafeLookupsMixin
from scheduler.admin_times import EMPTY, local_time, time_range, zoned
from scheduler.db.replica import ReplicaChangelistMixin

from .models import Meeting, Series
from .selectors import SeriesCounts, series_occurrence_counts, series_upcoming_occurrences
from .services.scopes import series_cancel_by_staff

UPCOMING_OCCURRENCES = 50
MEETINGS = "admin:meetings_meeting_changelist"


class SeriesWithCounts(ModelIterable):
    """Series, each given `counts` by one grouped query for the whole page."""

    def __iter__(self):
        page = list(super().__iter__())
        counts = series_occurrence_counts(series_ids=[s.pk for s in page], now=timezone.now())
        for series in page:
            series.counts = counts.get(series.pk, SeriesCounts())
            yield series


class SeriesChangeList(SafeChangeList):
    def get_results(self, request):
        # Counted for the page shown only, as MeetingChangeList does for participants.
        super().get_results(request)
        self.result_list._iterable_class = SeriesWithCounts


@admin.register(Series)
class SeriesAdmin(ReplicaChangelistMixin, SafeLookupsMixin, admin.ModelAdmin):
    list_display = ("title", "organizer", "rule", "time_zone", "occurrence_count", "next_start")
    list_select_related = ("created_by",)
    search_fields = ("title",)
    search_help_text = "A title, or the organizer's username or name."
    ordering = ("-id",)
    show_full_result_count = False
    list_per_page = 50
    fields = (
        "title",
        "created_by",
        "rule",
        "rule_lines",
        "time_zone",
        ("first_start", "duration"),
        "complete",
        "location",
        "room",
        "invited",
        "created",
        "occurrences",
    )
    readonly_fields = (
        "title",
        "created_by",
        "rule",
        "rule_lines",
        "time_zone",
        "first_start",
        "duration",
        "complete",
        "location",
        "room",
        "invited",
        "created",
        "occurrences",
    )

    first_start = zoned("first_start", "first start")
    created = zoned("created_at", "created at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "room")

    def get_changelist(self, request, **kwargs):
        return SeriesChangeList

    def get_search_results(self, request, queryset, search_term):
        # The organizer's people found first, as ParticipantAdmin does: an OR across the
        # joined user table would scan every series.
        term = search_term.strip()
        if not term:
            return queryset, False
        people = User.objects.filter(
            Q(username__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
        )
        return queryset.filter(
            Q(title__icontains=term) | Q(created_by__in=people.values("pk"))
        ), False

    actions = ("cancel_series",)

    # Writes go through the services (the API), never a raw edit or a cascading delete.
    def has_cancel_permission(self, request):
        return request.user.has_perm("meetings.change_meeting")

    @admin.action(
        description="Cancel the series (occurrences not yet over)", permissions=["cancel"]
    )
    def cancel_series(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True))
        cancelled = series_cancel_by_staff(series_ids=chosen, by=request.user)
        self.message_user(
            request,
            f"Cancelled {cancelled} occurrence(s) of {len(chosen)} series; everyone in them is "
            "told once per series.",
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="organizer", ordering="created_by")
    def organizer(self, series):
        person = series.created_by
        return format_html(
            '<span title="{}">{}</span>', person.username, person.get_full_name() or person.username
        )

    @admin.display(description="repeats")
    def rule(self, series):
        return series.rule_in_words

    @admin.display(description="rule (RFC 5545)")
    def rule_lines(self, series):
        return format_html("<pre>{}</pre>", "\n".join(series.recurrence))

    @admin.display(description="invited")
    def invited(self, series):
        return f"{len(series.participant_ids)} people besides the organizer"

    # Not sortable: ordering by a count means counting every series' occurrences.
    @admin.display(description="occurrences")
    def occurrence_count(self, series):
        return series.counts.occurrences

    @admin.display(description="next occurrence")
    def next_start(self, series):
        return local_time(series.counts.next_start)

    @admin.display(description=f"next {UPCOMING_OCCURRENCES} occurrences")
    def occurrences(self, series):
        now = timezone.now()
        counts = series_occurrence_counts(series_ids=[series.pk], now=now).get(
            series.pk, SeriesCounts()
        )
        shown = series_upcoming_occurrences(series=series, now=now, limit=UPCOMING_OCCURRENCES)
        return format_html(
            '<p>{} in all, {} not yet over: <a href="{}?series={}">all of them</a>.</p>{}',
            counts.occurrences,
            counts.ahead,
            reverse(MEETINGS),
            series.pk,
            _occurrence_table(shown),
        )


def _occurrence_table(meetings: list[Meeting]):
    if not meetings:
        return format_html("<p>{}</p>", "None ahead.")
    rows = format_html_join(
        "",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                reverse("admin:meetings_meeting_change", args=[meeting.pk]),
                time_range(meeting.start_time, meeting.end_time),
                meeting.title,
                meeting.get_status_display(),
                meeting.exception_fields.replace(",", ", ") or EMPTY,
            )
            for meeting in meetings
        ),
    )
    return format_html(
        "<table><thead><tr><th>when</th><th>title</th><th>status</th>"
        "<th>exception (changed alone)</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )
