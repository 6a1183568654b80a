import factory

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory
from notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    meeting = factory.SubFactory(MeetingFactory)
    kind = Notification.Kind.INVITATION
    message = factory.LazyAttribute(lambda n: f"You are invited to {n.meeting.title}.")
