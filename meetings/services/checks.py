"""What a write checks before it changes a meeting: its times, and who may change it."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from scheduler.validation import FIRST_YEAR, LAST_YEAR

from ..models import Meeting, check_meeting_times


def check_times(start_time: datetime, end_time: datetime) -> None:
    check_meeting_times(start_time, end_time)
    for name, moment in (("start_time", start_time), ("end_time", end_time)):
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ValidationError({name: f"Use a time between {FIRST_YEAR} and {LAST_YEAR}."})


def locked_for_organizer(meeting: Meeting, *, by: User) -> Meeting:
    """The meeting's current row, locked until the transaction ends, so that concurrent
    changes to one meeting run one after the other, each checked against the other's result.

    Raises Meeting.DoesNotExist if it was deleted meanwhile (the API answers 404), and
    PermissionDenied unless `by` organizes it.
    """
    meeting = (
        Meeting.objects.select_related("room").select_for_update(of=("self",)).get(pk=meeting.pk)
    )
    if meeting.created_by_id != by.pk:
        raise PermissionDenied("Only the organizer can change this meeting.")
    return meeting
