from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.forms.models import BaseInlineFormSet

from .models import ALREADY_INVITED, Meeting, Participant
from .services import meeting_bulk_cancel


class ParticipantInline(admin.TabularInline):
    """Who is invited. The person of a saved row is shown read-only (from the joined user, no
    query per row); to invite someone else, add a row in "Invite people" below."""

    model = Participant
    fields = ("user", "status", "responded_at")
    readonly_fields = ("user",)
    extra = 0
    verbose_name_plural = "participants"

    def get_queryset(self, request):
        # The tabular template prints str(participant), which names the user and the meeting.
        return super().get_queryset(request).select_related("user", "meeting")

    def has_add_permission(self, request, obj=None):
        return False


class InviteFormSet(BaseInlineFormSet):
    def clean(self):
        # Django leaves the meeting out of the UniqueConstraint check of an inline form (the
        # parent may not exist yet), so an existing invitation would reach the database as an
        # IntegrityError. One query checks every new row against the saved ones.
        super().clean()
        if self.instance._state.adding:
            return
        rows_by_user = {
            form.cleaned_data["user"].pk: form
            for form in self.forms
            if form.cleaned_data.get("user") and not form.cleaned_data.get("DELETE")
        }
        invited = Participant.objects.filter(meeting=self.instance, user__in=rows_by_user)
        for user_id in invited.values_list("user_id", flat=True):
            rows_by_user[user_id].add_error("user", ALREADY_INVITED)


class InviteInline(admin.TabularInline):
    """Empty rows that invite more people, found by autocomplete rather than a dropdown."""

    model = Participant
    formset = InviteFormSet
    fields = ("user", "status")
    autocomplete_fields = ("user",)
    extra = 3
    verbose_name = "invitation"
    verbose_name_plural = "invite people"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


def _participant_count():
    # A correlated subquery costs one index probe per row on the page, and Django drops it
    # from the paginator's COUNT, unlike a Count() over a JOIN that groups the whole table.
    return Subquery(
        Participant.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("*"))
        .values("n"),
        output_field=IntegerField(),
    )


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "start_time", "end_time", "created_by", "status", "participant_count")
    list_select_related = ("created_by",)
    list_filter = ("status", "start_time", "created_at")
    date_hierarchy = "start_time"
    search_fields = ("title",)
    autocomplete_fields = ("created_by",)
    ordering = ("-start_time", "-id")
    readonly_fields = ("created_at", "updated_at")
    fields = (
        "title",
        "description",
        "location",
        ("start_time", "end_time"),
        "created_by",
        "status",
        ("created_at", "updated_at"),
    )
    inlines = (ParticipantInline, InviteInline)
    actions = ("cancel_selected",)
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(n_participants=_participant_count())
        )

    def get_inline_instances(self, request, obj=None):
        # On the add page there are no saved participants to show.
        inlines = super().get_inline_instances(request, obj)
        return [i for i in inlines if obj is not None or not isinstance(i, ParticipantInline)]

    @admin.display(description="participants", ordering="n_participants")
    def participant_count(self, meeting):
        return getattr(meeting, "n_participants", None)

    @admin.action(description="Cancel selected meetings", permissions=["change"])
    def cancel_selected(self, request, queryset):
        cancelled = meeting_bulk_cancel(meetings=queryset)
        self.message_user(request, f"Cancelled {cancelled} meeting(s).", messages.SUCCESS)


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("meeting", "user", "status", "responded_at")
    list_select_related = ("meeting", "user")
    list_filter = ("status",)
    search_fields = ("meeting__title", "user__username")
    autocomplete_fields = ("meeting", "user")
    ordering = ("-id",)
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("meeting", "user")
