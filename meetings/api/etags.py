"""A meeting's entity tag (ETag): a digest of everything the API shows of it.

Derived from the content rather than kept in a version column, so that every way a meeting
changes (a service, a bulk UPDATE, the admin, raw SQL, a trigger, a participant's answer, a
renamed organizer or room) changes its tag without anybody remembering to bump it.

It covers each field of the representation (render.meeting_dict; a test holds the two in
step) but reads times as instants, not as the text the API writes: that text is in the
caller's zone, and a tag that changed with the zone would turn an organizer's GET in Paris
and PATCH after a change of their zone setting into a 412. The tag names the meeting's
state, as Google Calendar's and Microsoft Graph's do whatever zone they answer in.
"""

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _instant(moment: datetime | None) -> int | None:
    # Microseconds since the epoch: exact, and the same whatever zone the value carries.
    return None if moment is None else (moment - EPOCH) // MICROSECOND


def meeting_etag(meeting, participants: Iterable | None = None) -> str:
    """The quoted strong ETag of `meeting`, loaded as meeting_list() loads it (organizer,
    room and participants with their users). `participants`: those already listed."""
    if participants is None:
        participants = meeting.participants.all()
    room, organizer = meeting.room, meeting.created_by
    state = (
        meeting.id,
        meeting.title,
        meeting.description,
        meeting.location,
        _instant(meeting.start_time),
        _instant(meeting.end_time),
        meeting.status,
        meeting.cancellation_reason,
        None if room is None else (room.id, room.name, room.location),
        organizer.id,
        organizer.username,
        [
            (p.user_id, p.user.username, p.status, _instant(p.responded_at), p.comment)
            for p in participants
        ],
        _instant(meeting.created_at),
        _instant(meeting.updated_at),
        meeting.series_id,
        _instant(meeting.original_start_time),
    )
    # repr() of str, int, None, tuples and lists is unambiguous, and a third faster than
    # json.dumps(sort_keys=True) of the rendered dict (which holds the zone's text besides).
    digest = hashlib.blake2b(repr(state).encode(), digest_size=16).hexdigest()
    return f'"{digest}"'
