"""The change record in the admin, for staff: read-only, newest first, a meeting's changes at
`?meeting_id=<id>` (each meeting's page links there, deleted meetings' history included)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from scheduler.admin_lookups import SafeLookupsMixin
from scheduler.admin_pagination import EstimatedCountPaginator
from scheduler.admin_times import local_time
from scheduler.db.replica import ReplicaChangelistMixin

from .changes.history import change_fields
from .changes.models import MeetingChange

SOURCES = (("api", "API"), ("admin", "Admin"), ("task", "Task"), ("system", "System"))
SHOWN_CHARACTERS = 60


class SourceFilter(admin.SimpleListFilter):
    """A fixed list: Django's own filter for a field without choices would first read every
    distinct value in the table."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return SOURCES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(source=self.value())
        return queryset


def history_url(meeting_id: int) -> str:
    return f"{reverse('admin:meetings_meetingchange_changelist')}?meeting_id={int(meeting_id)}"


@admin.register(MeetingChange)
class MeetingChangeAdmin(ReplicaChangelistMixin, SafeLookupsMixin, admin.ModelAdmin):
    list_display = ("when", "meeting", "subject", "action", "participant", "by", "source", "what")
    list_filter = (SourceFilter, "subject", "action")
    search_fields = ("meeting_id",)
    search_help_text = "A meeting's number."
    ordering = ("-id",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    fields = (
        "when",
        "meeting",
        "series_id",
        "subject",
        "action",
        "participant",
        "by",
        "source",
        "what",
        "position",
    )
    readonly_fields = fields

    # The record is append-only: nobody adds, edits or deletes a row of it, staff included.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("audience")

    def get_search_results(self, request, queryset, search_term):
        # A meeting's number, exactly, through the (meeting_id, id) index: never a text search.
        term = search_term.strip()
        if not term:
            return queryset, False
        if not term.isdigit() or len(term) > 18:
            return queryset.none(), False
        return queryset.filter(meeting_id=int(term)), False

    @admin.display(description="at", ordering="id")
    def when(self, change):
        return local_time(change.at)

    @admin.display(description="meeting", ordering="meeting_id")
    def meeting(self, change):
        return format_html(
            '<a href="{}" title="This meeting\'s history">{}</a>',
            history_url(change.meeting_id),
            change.meeting_id,
        )

    @admin.display(description="person invited")
    def participant(self, change):
        return change.user_id if change.user_id is not None else "-"

    @admin.display(description="by")
    def by(self, change):
        if change.actor_id is not None:
            return f"{change.actor} (#{change.actor_id})"
        return change.actor or "-"

    @admin.display(description="changes")
    def what(self, change):
        fields = change_fields(change)
        if not fields:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {} → {}</li>",
                ((name, _shown(f["before"]), _shown(f["after"])) for name, f in fields.items()),
            ),
        )


def _shown(value) -> str:
    if value is None:
        return "∅"
    if hasattr(value, "tzinfo"):
        return local_time(value)
    return Truncator(str(value)).chars(SHOWN_CHARACTERS)
