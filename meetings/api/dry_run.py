"""The answer to a dry run (?dry_run=true): what the write would do, as the API shows it."""

from accounts.models import User
from accounts.selectors import user_refs
from meetings.dry_runs import Rehearsal
from notifications.messages import event_message

from .conflicts import room_conflict_body


def dry_run_body(rehearsal: Rehearsal, *, new: bool, by: User) -> dict:
    """`rehearsal.seen` is (the meeting as written with its conflicts, the people in it)."""
    if rehearsal.room_conflict is not None:
        return {
            "dry_run": True,
            "meeting": None,
            "conflicts": [],
            "room_conflict": room_conflict_body(rehearsal.room_conflict),
            "affected_people": [],
            "notifications": [],
        }
    meeting, people = rehearsal.seen
    conflicts = meeting.pop("conflicts")
    if new:
        meeting["id"] = None  # the rolled-back row's number will never exist
    recipients = {user_id for event in rehearsal.events for user_id in event.recipient_ids}
    refs = user_refs(user_ids=people | recipients)
    return {
        "dry_run": True,
        "meeting": meeting,
        "conflicts": conflicts,
        "room_conflict": None,
        # Everyone whose calendar changes: the people in the meeting, and those taken out.
        "affected_people": [refs[user_id] for user_id in sorted(people | recipients)],
        "notifications": [
            {
                "kind": event.kind,
                "recipients": [refs[user_id] for user_id in event.recipient_ids],
                "message": event_message(event, by.timezone),
            }
            for event in rehearsal.events
        ],
    }
