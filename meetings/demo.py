"""Realistic demo data, written with bulk operations. Used by seed_demo and the benchmarks."""

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification

from .cache import flush_everything
from .copy_loader import insert_rows, load_rows
from .models import Meeting, Participant, Room

FIRST_NAMES = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Radia",
    "Guido",
    "Katherine",
    "John",
    "Frances",
    "Donald",
    "Edsger",
    "Hedy",
    "Tim",
    "Sophie",
    "Niklaus",
    "Joan",
    "Anita",
    "Shafi",
    "Leslie",
    "Yukihiro",
    "Rasmus",
    "Jean",
    "Lynn",
    "Vint",
]
LAST_NAMES = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Perlman",
    "Rossum",
    "Johnson",
    "McCarthy",
    "Allen",
    "Knuth",
    "Dijkstra",
    "Lamarr",
    "Berners-Lee",
    "Wilson",
    "Wirth",
    "Clarke",
    "Borg",
    "Goldwasser",
    "Lamport",
    "Matsumoto",
    "Lerdorf",
    "Sammet",
    "Conway",
    "Cerf",
]
TIMEZONES = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
]
TOPICS = [
    "Roadmap",
    "Budget",
    "Hiring",
    "Onboarding",
    "Release",
    "Incident",
    "Design",
    "Architecture",
    "Security",
    "Pricing",
    "Marketing",
    "Support",
    "Analytics",
    "Infrastructure",
    "Mobile",
    "Billing",
    "Search",
    "Compliance",
]
KINDS = ("review", "sync", "planning", "retro", "kick-off", "1:1", "workshop", "demo", "standup")
LOCATIONS = ("Room Ada", "Room Turing", "Room Hopper", "Video call", "Cafeteria", "Board room", "")
DURATIONS_MINUTES = (15, 30, 30, 30, 45, 60, 60, 60, 90, 120)
PARTICIPANT_STATUSES = [status.value for status in Participant.Status]
ROOMS = (  # name, seats, where
    ("Ada", 6, "Floor 1"), ("Turing", 8, "Floor 1"), ("Hopper", 12, "Floor 2"),
    ("Lovelace", 4, "Floor 2"), ("Board room", 20, "Floor 3"), ("Hamilton", 6, "Floor 3"),
    ("Liskov", 10, "Floor 4"), ("Atrium", 40, "Ground floor"),
)  # fmt: skip
BOOKS_A_ROOM = 0.3  # share of meetings that try to book one
DEMO_PASSWORD = "demo-password"  # noqa: S105 - demo users only; seed_demo refuses production


@dataclass
class SeedResult:
    users: int
    meetings: int
    participants: int
    notifications: int
    seconds: float


def seed(
    *,
    users: int,
    meetings: int,
    participants_per_meeting: int = 3,
    seed: int = 42,
    batch_size: int = 5000,
    now: datetime | None = None,
    log=lambda message: None,
) -> SeedResult:
    rng = random.Random(seed)
    now = now or timezone.now()
    started = time.perf_counter()
    user_ids = _create_users(rng, users)
    if len(user_ids) < 2:
        raise ValueError("Demo meetings need at least two users.")
    log(f"{len(user_ids)} users ready")
    rooms = _RoomBookings(_create_rooms())
    totals = [0, 0, 0]
    for done in range(0, meetings, batch_size):
        count = min(batch_size, meetings - done)
        with transaction.atomic():
            _load_as_a_restore()
            created = _create_meeting_batch(
                rng, count, user_ids, participants_per_meeting, now, rooms
            )
        totals = [a + b for a, b in zip(totals, created, strict=True)]
        log(f"{done + count}/{meetings} meetings")
    _analyze(User, Room, Meeting, Participant, Notification)
    flush_everything()  # COPY and bulk_create send no signals
    log("planner statistics updated")
    return SeedResult(users, totals[0], totals[1], totals[2], time.perf_counter() - started)


def _load_as_a_restore() -> None:
    """Load the batch as pg_restore would, without firing triggers: recording a million made-up
    meetings in the change record (meetings.changes) would take the seed from 1.5 minutes to
    half an hour, and tell nobody anything (a full sync and the admin show the rows as they
    are; their history starts with their first change). Only a superuser may; anyone else
    loads with the triggers, slower. SQLite (a few hundred demo meetings) keeps them too."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (superuser,) = cursor.fetchone()
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _analyze(*models) -> None:
    # Fresh statistics, so the planner does not plan blind until autovacuum comes round (and
    # autovacuum may be off): a stale estimate turns a title search into a scan of every row.
    # VACUUM too, outside a transaction (it cannot run in one): it sets the visibility map,
    # without which no index-only scan skips the heap (free/busy: 121 -> 84 ms at 1M).
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def _create_users(rng: random.Random, count: int) -> list[int]:
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take minutes
    offset = User.objects.count()
    new_users = []
    for n in range(offset, offset + count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        new_users.append(
            User(
                username=f"{first.lower()}.{last.lower()}.{n}",
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}.{n}@example.com",
                password=password,
                timezone=rng.choice(TIMEZONES),
            )
        )
    User.objects.bulk_create(new_users, batch_size=2000)
    return list(User.objects.filter(is_active=True).values_list("id", flat=True))


def _create_rooms() -> list[Room]:
    for name, capacity, location in ROOMS:
        Room.objects.get_or_create(name=name, defaults={"capacity": capacity, "location": location})
    return list(Room.objects.all())


class _RoomBookings:
    """The demo's room bookings (those already stored, and the new ones of every batch), never
    two at once in a room, as the database requires."""

    def __init__(self, rooms: list[Room]):
        self.rooms = rooms
        self.held: dict[tuple[int, object], list[tuple[datetime, datetime]]] = {}
        stored = (
            Meeting.objects.filter(room__isnull=False)
            .exclude(status=Meeting.Status.CANCELLED)
            .values_list("room_id", "start_time", "end_time")
        )
        for room_id, start, end in stored.iterator(chunk_size=10_000):
            day = start.date()
            while day <= end.date():  # a stored meeting may run past midnight (UTC)
                self.held.setdefault((room_id, day), []).append((start, end))
                day += timedelta(days=1)

    def book(self, rng: random.Random, meeting: dict, people: int) -> int | None:
        if meeting["status"] == Meeting.Status.CANCELLED or rng.random() >= BOOKS_A_ROOM:
            return None
        room = rng.choice(self.rooms)
        if room.capacity < people:
            return None
        day = self.held.setdefault((room.pk, meeting["start_time"].date()), [])
        start, end = meeting["start_time"], meeting["end_time"]
        if any(start < other_end and end > other_start for other_start, other_end in day):
            return None
        day.append((start, end))
        return room.pk


def _create_meeting_batch(rng, count, user_ids, per_meeting, now, rooms) -> tuple[int, int, int]:
    meetings = [_random_meeting(rng, user_ids, now) for _ in range(count)]
    for meeting in meetings:
        meeting["room_id"] = rooms.book(rng, meeting, per_meeting + 3)  # the most invited + 1
    for meeting, meeting_id in zip(meetings, insert_rows(Meeting, meetings), strict=True):
        meeting["id"] = meeting_id
    participants = []
    for meeting in meetings:
        participants.extend(_random_participants(rng, meeting, user_ids, per_meeting, now))
    load_rows(Participant, participants)
    by_id = {meeting["id"]: meeting for meeting in meetings}
    soon = now + timedelta(days=14)
    notifications = [
        {
            "recipient_id": p["user_id"],
            "meeting_id": p["meeting_id"],
            "kind": Notification.Kind.INVITATION.value,
            "message": f"You are invited to {by_id[p['meeting_id']]['title']}.",
            "read_at": None,
        }
        for p in participants
        if p["status"] == Participant.Status.NEEDS_ACTION
        and now <= by_id[p["meeting_id"]]["start_time"] <= soon
    ]
    load_rows(Notification, notifications)
    return len(meetings), len(participants), len(notifications)


def _random_meeting(rng: random.Random, user_ids: list[int], now: datetime) -> dict:
    # Two years back to one year ahead, on weekdays, at quarter hours of office time.
    day = now.date() + timedelta(days=rng.randint(-730, 365))
    if day.weekday() >= 5:
        day -= timedelta(days=day.weekday() - 4)
    start = datetime(
        day.year, day.month, day.day, rng.randint(7, 17), 15 * rng.randint(0, 3), tzinfo=UTC
    )
    cancelled = rng.random() < 0.05
    return {
        "title": f"{rng.choice(TOPICS)} {rng.choice(KINDS)}",
        "description": "Agenda: updates, decisions, next steps.",
        "location": rng.choice(LOCATIONS),
        "start_time": start,
        "end_time": start + timedelta(minutes=rng.choice(DURATIONS_MINUTES)),
        "created_by_id": rng.choice(user_ids),
        "status": (Meeting.Status.CANCELLED if cancelled else Meeting.Status.SCHEDULED).value,
    }


def _random_participants(rng, meeting: dict, user_ids, per_meeting, now) -> list[dict]:
    size = max(1, min(len(user_ids) - 1, per_meeting + rng.randint(-2, 2)))
    invitees = set()
    while len(invitees) < size:
        user_id = rng.choice(user_ids)
        if user_id != meeting["created_by_id"]:
            invitees.add(user_id)
    past = meeting["start_time"] < now
    weights = (5, 75, 12, 8) if past else (55, 30, 8, 7)
    statuses = rng.choices(PARTICIPANT_STATUSES, weights=weights, k=size)
    return [
        {
            "meeting_id": meeting["id"],
            "user_id": user_id,
            "status": status,
            "responded_at": None
            if status == Participant.Status.NEEDS_ACTION
            else min(now, meeting["start_time"] - timedelta(hours=rng.randint(1, 240))),
        }
        for user_id, status in zip(sorted(invitees), statuses, strict=True)
    ]
