import factory

from accounts.tests.factories import UserFactory
from webhooks import signing
from webhooks.models import EventType, Subscription


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    owner = factory.SubFactory(UserFactory)
    url = "https://hooks.example.com/in"
    events = factory.LazyFunction(lambda: list(EventType.values))
    secret = factory.LazyFunction(signing.secret_new)
