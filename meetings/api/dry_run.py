"""The answer to a dry run (?dry_run=true): what the write would do, as the API shows it."""

from accounts.models import User
from accounts.selectors import user_refs
from meetings.dry_runs import Rehearsal
from meetings.services.scopes import ScopeResult
from notifications.messages import event_message

from .conflicts import room_conflict_body


def scope_body(result: ScopeResult, meeting: dict | None) -> dict:
    """What a write in a scope touched; a single meeting's people are those in `meeting`."""
    people = set(result.people)
    if not people and meeting is not None:
        people = {meeting["organizer"]["id"], *(p["user"]["id"] for p in meeting["participants"])}
    if not result.room_ids and meeting is not None and meeting["room"] and result.occurrence_ids:
        rooms = [meeting["room"]["id"]] if result.series_id is None else []
    else:
        rooms = sorted(result.room_ids)
    return {
        "scope": result.scope,
        "series_id": result.series_id,
        "occurrences": len(result.occurrence_ids),
        "people": len(people),
        "rooms": rooms,
        "exceptions_dropped": result.exceptions_dropped,
    }


def dry_run_body(rehearsal: Rehearsal, *, new: bool, by: User) -> dict:
    """`rehearsal.seen` is (the meeting as written with its conflicts, or None if it is
    deleted; the people in it; what the write touched in its scope, or None)."""
    if rehearsal.room_conflict is not None:
        return {
            "dry_run": True,
            "scope": None,
            "meeting": None,
            "conflicts": [],
            "room_conflict": room_conflict_body(rehearsal.room_conflict),
            "affected_people": [],
            "notifications": [],
        }
    meeting, people, scope = rehearsal.seen
    conflicts = meeting.pop("conflicts") if meeting is not None else []
    if new and meeting is not None:
        meeting["id"] = None  # the rolled-back row's number will never exist
        if meeting["series_id"] is not None:
            meeting["series_id"] = None
    recipients = {user_id for event in rehearsal.events for user_id in event.recipient_ids}
    refs = user_refs(user_ids=people | recipients)
    return {
        "dry_run": True,
        "scope": scope,
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
