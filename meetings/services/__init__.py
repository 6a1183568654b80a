"""Writes to meetings and their invitations, one module per idea; import from the one that holds
the function (this package re-exports nothing):

- lifecycle.py     a meeting's life: meeting_create, meeting_update, meeting_cancel, meeting_delete
- participants.py  invitations: participant_add, participant_remove, meeting_rsvp
- bulk.py          many meetings at once: meeting_bulk_create, meeting_bulk_set_status
- series.py        recurring meetings: series_create, the occurrences a series makes
- scopes.py        an occurrence's edits in a scope (this, following, all): occurrence_update,
                   occurrence_cancel, occurrence_delete, occurrence_rsvp
- events.py        the outbox events a change sends, and who they count against
- checks.py        what every change to a meeting checks first: its times, its organizer

Every public function is one transaction. Services validate what they are given and raise
django.core.exceptions.ValidationError keyed by field, so any caller (API, admin, a task) gets
the same rules; the API answers those with 400.
"""
