from datetime import UTC, datetime, timedelta

import factory

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant, Room


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    title = factory.Sequence(lambda n: f"Meeting {n}")
    description = "Agenda"
    location = "Room Ada"
    start_time = factory.Sequence(
        lambda n: datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(hours=n)
    )
    end_time = factory.LazyAttribute(lambda meeting: meeting.start_time + timedelta(minutes=30))
    created_by = factory.SubFactory(UserFactory)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 10
    location = "Floor 2"
