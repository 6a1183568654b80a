"""Invitations: who a meeting invites, people added and removed, and their answers (RSVP)."""

from collections.abc import Collection, Iterable, Sequence
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from notifications.models import Event
from notifications.outbox import events_record

from ..booking import check_capacity
from ..cache import flush_meetings
from ..invitations import check_per_request, invitations_count
from ..models import Meeting, Participant, Room
from .checks import locked_for_organizer
from .events import meeting_event, tell

MAX_PARTICIPANTS = 500


def invitee_ids(ids: Iterable[int], *, organizer_id: int) -> list[int]:
    """The distinct invitees in `ids`, the organizer left out (they are not a participant)."""
    wanted = sorted(set(ids) - {organizer_id})
    if len(wanted) > MAX_PARTICIPANTS:
        raise ValidationError(
            {"participant_ids": f"A meeting can invite at most {MAX_PARTICIPANTS} people."}
        )
    return wanted


def missing_users(groups: Sequence[Collection[int]]) -> dict[int, str]:
    """For each group of user ids (by its position) that names someone who is no active user,
    why it is refused: "No such users: 4, 7." One query for every group (a bulk request's
    items), none if they are all empty."""
    wanted = {user_id for user_ids in groups for user_id in user_ids}
    if not wanted:
        return {}
    found = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    reasons = {}
    for index, user_ids in enumerate(groups):
        if unknown := sorted(set(user_ids) - found):
            listed = ", ".join(str(user_id) for user_id in unknown[:20])
            reasons[index] = f"No such users: {listed}."
    return reasons


def invite(meeting: Meeting, user_ids: Iterable[int]) -> None:
    user_ids = list(user_ids)
    Participant.objects.bulk_create(
        [Participant(meeting=meeting, user_id=user_id) for user_id in user_ids],
        ignore_conflicts=True,  # already invited: nothing changes, even in a race
    )
    flush_meetings(meeting_ids=[meeting.pk], user_ids=user_ids)  # bulk_create sends no signal


def invitees_replace(
    meeting: Meeting, participant_ids: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Make `participant_ids` the invitees; returns (added, removed) user ids."""
    wanted = set(invitee_ids(participant_ids, organizer_id=meeting.created_by_id))
    current = set(meeting.participants.values_list("user_id", flat=True))
    if missing := missing_users([wanted - current]):
        raise ValidationError({"participant_ids": missing[0]})
    dropped = current - wanted
    if dropped:
        invitations_delete(meeting.participants.filter(user_id__in=dropped))
        flush_meetings(meeting_ids=[meeting.pk], user_ids=dropped)
    added = sorted(wanted - current)
    check_per_request(len(added))  # those already invited cost nothing
    invite(meeting, added)
    return added, sorted(dropped)


def invitations_delete(invitations: QuerySet[Participant]) -> None:
    """One DELETE however many rows match. QuerySet.delete() would load every row and delete
    them a hundred at a time to send each one's post_delete signal; callers flush the caches."""
    invitations._raw_delete(invitations.db)


@transaction.atomic
def meeting_rsvp(*, meeting: Meeting, user: User, status: str, comment: str = "") -> Participant:
    """The user's own answer to an invitation."""
    if status not in Participant.Status.values or status == Participant.Status.NEEDS_ACTION:
        raise ValidationError({"status": "Answer accepted, declined or tentative."})
    participant = (
        Participant.objects.select_for_update()
        .filter(meeting=meeting, user=user)
        .select_related("user")
        .first()
    )
    if participant is None:
        raise PermissionDenied("Only invited people can answer; the organizer is not invited.")
    news = (participant.status, participant.comment) != (status, comment)
    participant.status = status
    participant.comment = comment
    participant.responded_at = timezone.now()
    participant.save(update_fields=["status", "comment", "responded_at"])
    if news:
        answer = meeting_event(
            Event.Kind.RSVP, meeting, actor=user, to=[meeting.created_by_id],
            answer=status, comment=comment,
        )  # fmt: skip
        events_record([answer])
    return participant


@transaction.atomic
def participant_add(*, meeting: Meeting, by: User, user_id: int) -> tuple[Participant, bool]:
    """Invite one person; inviting someone already invited changes nothing (and counts for
    no invitation). Returns the invitation and whether it is new."""
    meeting = locked_for_organizer(meeting, by=by)
    if user_id == meeting.created_by_id:
        raise ValidationError({"user_id": "The organizer is not a participant of their meeting."})
    if missing := missing_users([[user_id]]):
        raise ValidationError({"user_id": missing[0]})
    already = meeting.participants.filter(user_id=user_id).exists()
    if not already:
        invited = meeting.participants.count()
        if invited >= MAX_PARTICIPANTS:
            raise ValidationError(
                {"user_id": f"A meeting can invite at most {MAX_PARTICIPANTS} people."}
            )
        if meeting.room_id:
            room = cast(Room, meeting.room)  # room_id is set, so .room is that Room, never None
            check_capacity(room, invited + 2, field="user_id")  # organizer, newcomer
    invite(meeting, [user_id])
    if not already:
        events_record(
            [meeting_event(Event.Kind.PARTICIPANT_ADDED, meeting, actor=by, to=[user_id])]
        )
        invitations_count(organizer_id=by.pk, count=1)
    return meeting.participants.select_related("user").get(user_id=user_id), not already


@transaction.atomic
def participant_remove(*, meeting: Meeting, by: User, user_id: int) -> bool:
    """Withdraw an invitation; False if the person was not invited."""
    meeting = locked_for_organizer(meeting, by=by)
    deleted, _ = meeting.participants.filter(user_id=user_id).delete()
    if deleted:
        tell(
            [meeting_event(Event.Kind.PARTICIPANT_REMOVED, meeting, actor=by, to=[user_id])], by=by
        )
    return deleted > 0
