"""The meeting change form's two lists of people: who is invited, and rows to invite more.

Saving them costs a fixed number of queries however many rows are posted: rows and the people
they choose are loaded once for the whole formset (scheduler.admin_formsets), and the rows are
written with one statement per kind of change instead of one per row.
"""

from django.contrib import admin

from scheduler.admin_formsets import (
    PreloadedChoiceField,
    PreloadedInlineFormSet,
    PreloadedRowForm,
)
from scheduler.admin_times import ZonedTimesMixin

from .cache import flush_meetings
from .models import ALREADY_INVITED, Meeting, Participant

CHOSEN_TWICE = "This person is chosen in two rows."


class ParticipantInline(ZonedTimesMixin, admin.TabularInline):
    """Who is invited. The person of a saved row is shown read-only (from the joined user, no
    query per row); to invite someone else, add a row in "Invite people" below."""

    model = Participant
    formset = PreloadedInlineFormSet
    fields = ("user", "status", "responded_at")
    readonly_fields = ("user",)
    extra = 0
    verbose_name_plural = "participants"

    def get_queryset(self, request):
        # The tabular template prints str(participant), which names the user and the meeting.
        return super().get_queryset(request).select_related("user", "meeting")

    def has_add_permission(self, request, obj=None):
        return False


class InviteFormSet(PreloadedInlineFormSet):
    def clean(self):
        # Django leaves the meeting out of the UniqueConstraint check of an inline form (the
        # parent may not exist yet), and rows found among preloaded people skip its check of
        # one person chosen in two rows: one query checks every new row against the saved
        # ones, and the rows are compared here.
        super().clean()
        rows_by_user = {}
        for form in self.forms:
            user = form.cleaned_data.get("user")
            if user is None or form.cleaned_data.get("DELETE"):
                continue
            if user.pk in rows_by_user:
                form.add_error("user", CHOSEN_TWICE)
            rows_by_user.setdefault(user.pk, form)
        if self.instance._state.adding or not rows_by_user:
            return
        invited = Participant.objects.filter(meeting=self.instance, user__in=rows_by_user)
        for user_id in invited.values_list("user_id", flat=True):
            rows_by_user[user_id].add_error("user", ALREADY_INVITED)


class InviteInline(admin.TabularInline):
    """Empty rows that invite more people, found by autocomplete rather than a dropdown."""

    model = Participant
    form = PreloadedRowForm
    formset = InviteFormSet
    fields = ("user", "status")
    autocomplete_fields = ("user",)
    extra = 3
    verbose_name = "invitation"
    verbose_name_plural = "invite people"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["form_class"] = PreloadedChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


def people_after_save(formsets) -> int | None:
    """How many people the posted rows leave invited (the organizer not counted), or None
    while a row is invalid (its own error is shown then)."""
    rows = [formset for formset in formsets if formset.model is Participant]
    if not all(formset.is_valid() for formset in rows):
        return None
    people = 0
    for formset in rows:
        deleted = formset.deleted_forms if formset.can_delete else []
        people += sum(1 for form in formset.initial_forms if form not in deleted)
        people += sum(
            1 for form in formset.extra_forms if form.has_changed() and form not in deleted
        )
    return people


def invitations_save(*, meeting: Meeting, formset) -> None:
    """Write a valid formset of invitation rows: a DELETE (after one SELECT), one UPDATE and
    one INSERT at most, whatever the number of rows; caches are flushed on commit. Runs inside
    the admin's transaction (ModelAdmin.changeform_view is atomic).

    Sets formset.new_objects, changed_objects and deleted_objects, as formset.save() does.
    """
    formset.save(commit=False)
    if formset.deleted_objects:  # one SELECT and one DELETE; post_delete flushes each person
        Participant.objects.filter(pk__in=[row.pk for row in formset.deleted_objects]).delete()
    changed = {name for _, names in formset.changed_objects for name in names}
    changed &= {field.name for field in Participant._meta.concrete_fields}
    if changed:
        rows = [row for row, _ in formset.changed_objects]
        Participant.objects.bulk_update(rows, fields=sorted(changed))
    if formset.new_objects:
        # A person invited meanwhile (by the API) stays invited once, as in the services.
        Participant.objects.bulk_create(formset.new_objects, ignore_conflicts=True)
    if changed or formset.new_objects:  # bulk_update and bulk_create send no signal
        flush_meetings(meeting_ids=[meeting.pk])
