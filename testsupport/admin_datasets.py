"""Test data builders shared by the apps' test suites (imported by conftest fixtures)."""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from meetings.models import Meeting, Participant, Room
from notifications.models import Notification

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


class AdminDataset:
    def __init__(self):
        self.organizer = User.objects.create(username="organizer", email="o@example.com")
        self.focus = Meeting.objects.create(
            title="Focus meeting",
            start_time=T0,
            end_time=T0 + timedelta(hours=1),
            created_by=self.organizer,
        )

    def grow(self, n: int) -> None:
        users = self._grow_users(n + 1)  # the organizer is never a participant
        rooms = self._grow_rooms(n)
        self._grow_meetings(n, users, rooms)
        self._grow_focus_participants(n, users)
        self._grow_notifications(n, users)

    def _grow_users(self, n: int) -> list[User]:
        have = User.objects.count()
        User.objects.bulk_create(
            User(
                username=f"person{i}",
                first_name="Person",
                last_name=str(i),
                email=f"person{i}@example.com",
            )
            for i in range(have, n)
        )
        return list(User.objects.order_by("id"))

    def _grow_rooms(self, n: int) -> list[Room]:
        have = Room.objects.count()
        Room.objects.bulk_create(Room(name=f"Room {i}", capacity=10) for i in range(have, n))
        rooms = list(Room.objects.order_by("id"))
        Meeting.objects.filter(pk=self.focus.pk).update(room=rooms[0])
        self.focus.room = rooms[0]
        return rooms

    def _grow_meetings(self, n: int, users: list[User], rooms: list[Room]) -> None:
        have = Meeting.objects.count()
        Meeting.objects.bulk_create(
            Meeting(
                title=f"Meeting {i}",
                start_time=T0 + timedelta(days=i),
                end_time=T0 + timedelta(days=i, minutes=45),
                created_by=users[i % len(users)],
                room=rooms[i % len(rooms)] if i % 3 else None,  # one day each: no overlap
                status=Meeting.Status.CANCELLED if i % 7 == 0 else Meeting.Status.SCHEDULED,
            )
            for i in range(have, n)
        )

    def _grow_focus_participants(self, n: int, users: list[User]) -> None:
        invited = set(self.focus.participants.values_list("user_id", flat=True))
        candidates = [u for u in users if u.pk not in invited and u != self.organizer]
        missing = n - len(invited)
        Participant.objects.bulk_create(
            Participant(meeting=self.focus, user=user) for user in candidates[:missing]
        )

    def _grow_notifications(self, n: int, users: list[User]) -> None:
        have = Notification.objects.count()
        Notification.objects.bulk_create(
            Notification(
                recipient=users[i % len(users)],
                meeting=self.focus,
                kind=Notification.Kind.INVITATION,
                message=f"Invitation {i}",
            )
            for i in range(have, n)
        )


def assert_fixed_queries(client, dataset, url_for, expected, sizes=(10, 200)):
    """GET url_for(dataset) at each size and require exactly `expected` queries each time.

    A warm-up request first fills per-process caches (content types, permissions) so that only
    the data size differs between the measured requests. Returns the measured responses.
    """
    responses = []
    for size in sizes:
        dataset.grow(size)
        url = url_for(dataset)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        sql = "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(queries.captured_queries, 1))
        assert len(queries) == expected, f"{url} at {size} rows: {len(queries)} queries\n{sql}"
        responses.append(response)
    return responses
