from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError, Q
from django.db.models.query import ModelIterable
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import User
from scheduler.admin_lookups import SafeChangeList, SafeLookupsMixin, ZonedDateTimeFilter
from scheduler.admin_pagination import EstimatedCountPaginator
from scheduler.admin_times import ZonedTimesMixin, local_time, time_range, zoned
from scheduler.db.replica import ReplicaChangelistMixin

from . import admin_series  # noqa: F401 - registers SeriesAdmin
from .admin_history import history_url  # and registers MeetingChangeAdmin
from .admin_inlines import InviteInline, ParticipantInline, invitations_save, people_after_save
from .booking import Booking, RoomConflict, check_capacity, check_room_free, locked_room
from .models import Meeting, Participant, Room
from .selectors import meeting_participant_counts, room_upcoming_bookings
from .services.bulk import meeting_bulk_set_status
from .services.events import meeting_record_admin_save
from .services.scopes import occurrence_mark_changed, occurrences_forget

UPCOMING_BOOKINGS = 20


class MeetingsWithParticipantCounts(ModelIterable):
    """Meetings, each given `n_participants` by one grouped query for the whole page."""

    def __iter__(self):
        meetings = list(super().__iter__())
        counts = meeting_participant_counts(meeting_ids=[m.pk for m in meetings])
        for meeting in meetings:
            meeting.n_participants = counts.get(meeting.pk, 0)
            yield meeting


class MeetingChangeList(SafeChangeList):
    def get_results(self, request):
        # Counts for the page only, and only if the page is shown (an action's POST never
        # loads it): a count in the SELECT would also run for every row OFFSET skips, 7 times
        # slower at page 1,000 of a million meetings.
        super().get_results(request)
        self.result_list._iterable_class = MeetingsWithParticipantCounts


@admin.register(Room)
class RoomAdmin(ReplicaChangelistMixin, SafeLookupsMixin, ZonedTimesMixin, admin.ModelAdmin):
    list_display = ("name", "capacity", "location")
    search_fields = ("name", "location")
    ordering = ("name", "id")
    fields = ("name", "capacity", "location", "upcoming_bookings")
    readonly_fields = ("upcoming_bookings",)

    def get_actions(self, request):
        # One room at a time, from its page, where a booking made meanwhile is caught.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError:  # booked while the confirmation page was open
            self.message_user(
                request, "This room has been booked meanwhile: it was not deleted.", messages.ERROR
            )
            return redirect("admin:meetings_room_change", object_id)

    def delete_model(self, request, room):
        # Locked first, so that a booking under way (which holds the lock) commits before the
        # check for bookings runs; without it the DELETE would pass the check and then fail on
        # the new booking's foreign key at the commit.
        Room.objects.select_for_update().filter(pk=room.pk).values_list("pk").first()
        super().delete_model(request, room)

    @admin.display(description=f"next {UPCOMING_BOOKINGS} bookings")
    def upcoming_bookings(self, room):
        if room.pk is None:
            return "-"
        bookings = room_upcoming_bookings(room=room, now=timezone.now(), limit=UPCOMING_BOOKINGS)
        if not bookings:
            return "None"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {} ({})</li>',
                (
                    (
                        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
                        meeting.title,
                        time_range(meeting.start_time, meeting.end_time),
                        meeting.created_by.username,
                    )
                    for meeting in bookings
                ),
            ),
        )


def _booked_by(room: Room, clash: Meeting) -> str:
    start, end = local_time(clash.start_time), local_time(clash.end_time)
    return f"{room.name} is booked from {start} to {end} by “{clash.title}” (meeting {clash.pk})."


class MeetingAdminForm(forms.ModelForm):
    """Holds the room rules in the change form: the admin's save runs in a transaction, so the
    room locked here stays locked until the meeting is saved.

    The room must also seat the organizer and everyone the posted rows leave invited: the
    admin hangs its formsets on the form's instance (`admin_formsets`) before validating.
    """

    class Meta:
        model = Meeting
        fields = "__all__"  # noqa: DJ007 - MeetingAdmin.fields picks what is shown

    def clean(self):
        cleaned = super().clean()
        room, start, end = (cleaned.get(name) for name in ("room", "start_time", "end_time"))
        if not (room and start and end) or cleaned.get("status") == Meeting.Status.CANCELLED:
            return cleaned
        meeting_id = None if self.instance._state.adding else self.instance.pk
        if meeting_id is not None:
            # The meeting before its room, in the order the services lock them: the other
            # order would deadlock against an API change of the same meeting.
            Meeting.objects.select_for_update().filter(pk=meeting_id).values_list("pk").first()
        booking = Booking(room_id=room.pk, start_time=start, end_time=end, meeting_id=meeting_id)
        locked = locked_room(room.pk, field="room")
        try:
            check_room_free(locked, booking)
        except RoomConflict as conflict:
            raise ValidationError({"room": _booked_by(room, conflict.meeting)}) from None
        self._check_capacity(locked)
        return cleaned

    def _check_capacity(self, room: Room) -> None:
        invited = people_after_save(self._formsets())
        if invited is None:  # a row is wrong: its own error says so
            return
        grows = invited > self._invited_before() or {"room", "status"} & set(self.changed_data)
        if self.instance._state.adding or grows:
            check_capacity(room, invited + 1, field="room")  # the organizer is not invited

    def _invited_before(self) -> int:
        return sum(len(formset.initial_forms) for formset in self._formsets())

    def _formsets(self):
        return getattr(self.instance, "admin_formsets", ())


class SeriesFilter(admin.SimpleListFilter):
    """Meetings in a series or not; `?series=<id>` (a series' page links it) lists one
    series' occurrences. No query of its own, unlike a list of every series."""

    title = "series"
    parameter_name = "series"

    def lookups(self, request, model_admin):
        return (("yes", "In a series"), ("no", "Not in a series"))

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value in ("yes", "no"):
            return queryset.filter(series__isnull=value == "no")
        if value.isdigit():
            return queryset.filter(series_id=int(value))
        return queryset


@admin.register(Meeting)
class MeetingAdmin(ReplicaChangelistMixin, SafeLookupsMixin, ZonedTimesMixin, admin.ModelAdmin):
    form = MeetingAdminForm
    # Fits a 1366-pixel laptop screen beside the sidebars: one column for the time, the
    # organizer's name without the username (test_admin_browser holds it).
    list_display = ("title", "when", "organizer", "room", "status", "participant_count")
    list_select_related = ("created_by", "room")
    list_filter = (
        "status",
        SeriesFilter,
        ("start_time", ZonedDateTimeFilter),
        ("created_at", ZonedDateTimeFilter),
    )
    date_hierarchy = "start_time"
    search_fields = ("title",)
    autocomplete_fields = ("created_by", "room")
    ordering = ("-start_time", "-id")
    readonly_fields = (
        "created",
        "updated",
        "series",
        "original_start",
        "exception_fields",
        "history",
    )
    fields = (
        "title",
        "description",
        "location",
        ("start_time", "end_time"),
        "room",
        "created_by",
        "status",
        ("created", "updated"),
    )
    # An occurrence's place in its series, read-only: it changes through the scoped services.
    occurrence_fields = ("series", "original_start", "exception_fields")
    inlines = (ParticipantInline, InviteInline)
    actions = ("cancel_selected",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    created = zoned("created_at", "created at")
    updated = zoned("updated_at", "updated at")
    original_start = zoned("original_start_time", "original start")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "room")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and obj.series_id is not None:
            fields = (*fields, *self.occurrence_fields)
        if obj is not None:
            fields = (*fields, "history")
        return fields

    def get_changelist(self, request, **kwargs):
        return MeetingChangeList

    def _create_formsets(self, request, obj, change):
        # Django validates the form before the rows; the form checks the room's capacity
        # against the people the rows leave invited, so it gets them first. `obj` is the
        # form's own instance (ModelAdmin._changeform_view).
        formsets, inlines = super()._create_formsets(request, obj, change)
        obj.admin_formsets = formsets
        return formsets, inlines

    def save_formset(self, request, form, formset, change):
        if formset.model is Participant:
            invitations_save(meeting=form.instance, formset=formset)
        else:
            super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        added, removed = [], []
        for formset in formsets:
            added += [p.user_id for p in formset.new_objects if isinstance(p, Participant)]
            removed += [p.user_id for p in formset.deleted_objects if isinstance(p, Participant)]
        meeting_record_admin_save(
            meeting=form.instance,
            by=request.user,
            created=not change,
            changed=form.changed_data,
            added=added,
            removed=removed,
        )
        if change:  # an occurrence changed here is an exception, as with scope=this
            people = ["participant_ids"] if added or removed else []
            occurrence_mark_changed(meeting=form.instance, changed=[*form.changed_data, *people])

    def delete_model(self, request, obj):
        occurrences_forget(meeting_ids=[obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        occurrences_forget(meeting_ids=list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)

    @admin.display(description="history")
    def history(self, meeting):
        # A link, not rows: the change record's own list pages them at a fixed cost.
        return format_html('<a href="{}">Every change to this meeting</a>', history_url(meeting.pk))

    def get_inline_instances(self, request, obj=None):
        # On the add page there are no saved participants to show.
        inlines = super().get_inline_instances(request, obj)
        return [i for i in inlines if obj is not None or not isinstance(i, ParticipantInline)]

    @admin.display(description="when", ordering="start_time")
    def when(self, meeting):
        day, hours = time_range(meeting.start_time, meeting.end_time).split(" ", 1)
        return format_html('{} <span style="white-space: nowrap">{}</span>', day, hours)

    @admin.display(description="organizer", ordering="created_by")
    def organizer(self, meeting):
        person = meeting.created_by
        return format_html(
            '<span title="{}">{}</span>', person.username, person.get_full_name() or person.username
        )

    # Not sortable: ordering a million meetings by a count means counting all of them.
    @admin.display(description="people")
    def participant_count(self, meeting):
        return getattr(meeting, "n_participants", None)

    @admin.action(description="Cancel selected meetings", permissions=["change"])
    def cancel_selected(self, request, queryset):
        cancelled = meeting_bulk_set_status(
            meetings=queryset, status=Meeting.Status.CANCELLED, by=request.user, counted=False
        )
        self.message_user(request, f"Cancelled {cancelled} meeting(s).", messages.SUCCESS)


@admin.register(Participant)
class ParticipantAdmin(ReplicaChangelistMixin, SafeLookupsMixin, ZonedTimesMixin, admin.ModelAdmin):
    list_display = ("meeting", "user", "status", "responded")
    list_select_related = ("meeting", "user")
    list_filter = ("status",)
    search_fields = ("user__username", "user__email")
    search_help_text = "A username or e-mail address, or a meeting's number."
    autocomplete_fields = ("meeting", "user")
    ordering = ("-id",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    responded = zoned("responded_at", "responded at")

    def get_readonly_fields(self, request, obj=None):
        # An invitation's meeting and person are fixed, as in the meeting page's inline: the
        # change record (sync, webhooks, history) tells the people of the row as it is now,
        # so an invitation moved to someone else would stay in its old person's mirror.
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else (*fields, "meeting", "user")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("meeting", "user")

    def get_search_results(self, request, queryset, search_term):
        # Django would OR the terms across the joined user table, which no index serves: a
        # scan of every participant (a second at 3 million). Find the people first, then their
        # invitations through participant_user_status; a number means a meeting.
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(meeting_id=int(term)), False
        people = User.objects.filter(Q(username__icontains=term) | Q(email__icontains=term))
        return queryset.filter(user__in=people.values("pk")), False
