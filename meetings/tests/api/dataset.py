"""A caller whose data grows between two measurements of the same request."""

from datetime import UTC, datetime, timedelta

from accounts.models import User
from meetings.models import Meeting, Participant, Room
from notifications.models import Notification

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


class ApiDataset:
    """`me` organizes half of the meetings and is invited to the other half; every meeting
    invites the same number of people. grow() adds rows with bulk writes."""

    def __init__(self):
        self.me = User.objects.create(username="me", timezone="Europe/Paris")
        self.guest = User.objects.create(username="guest")
        self.room = Room.objects.create(name="Ada", capacity=1000)
        self.people: list[User] = []
        self.meetings = 0
        self.participants = 0

    def grow(self, *, meetings: int, participants: int) -> None:
        self._people(participants + 1)
        self.participants = participants
        new = [self._meeting(i) for i in range(self.meetings, meetings)]
        Meeting.objects.bulk_create(new)
        self.meetings = max(meetings, self.meetings)
        for meeting in Meeting.objects.order_by("id"):
            self._invite(meeting, participants)
        Notification.objects.bulk_create(
            Notification(recipient=self.me, meeting=meeting, kind="invitation", message="Hi")
            for meeting in new
        )

    def target(self) -> Meeting:
        """A fresh meeting of mine, inviting the guest and as many others as the rest."""
        meeting = Meeting.objects.create(
            created_by=self.me,
            title="Target",
            start_time=T0 - timedelta(days=1),
            end_time=T0 - timedelta(days=1, minutes=-30),
        )
        Participant.objects.create(meeting=meeting, user=self.guest)
        self._invite(meeting, self.participants)
        return meeting

    def booked(self, meeting: Meeting) -> Meeting:
        """`meeting`, now booking a room of its own."""
        room = Room.objects.create(name=f"Room of {meeting.pk}", capacity=1000)
        Meeting.objects.filter(pk=meeting.pk).update(room=room)
        return meeting

    def _people(self, count: int) -> None:
        have = len(self.people)
        User.objects.bulk_create(User(username=f"person{i}") for i in range(have, count))
        self.people = list(User.objects.filter(username__startswith="person").order_by("id"))

    def _meeting(self, i: int) -> Meeting:
        organizer = self.me if i % 2 == 0 else self.people[0]
        start = T0 + timedelta(hours=i)
        return Meeting(
            created_by=organizer,
            title=f"Meeting {i}",
            start_time=start,
            end_time=start + timedelta(minutes=30),
        )

    def _invite(self, meeting: Meeting, count: int) -> None:
        invitees = [p for p in self.people if p.pk != meeting.created_by_id]
        if meeting.created_by_id != self.me.pk:
            invitees = [self.me, *invitees]
        Participant.objects.bulk_create(
            [Participant(meeting=meeting, user=user) for user in invitees[:count]],
            ignore_conflicts=True,
        )
