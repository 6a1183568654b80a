import pytest

from webhooks.models import DispatchCursor

from .receiver import Receiver


@pytest.fixture
def receiver(settings):
    """A local receiver, allowed past the address checks (and over http) for the test."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    receiver = Receiver()
    yield receiver
    receiver.kill()


@pytest.fixture(autouse=True)
def dispatch_from_the_start(request):
    """The dispatcher reads the change record from its beginning in these tests (a real
    install starts at the horizon of its first subscription)."""
    if "transactional_db" not in request.fixturenames:
        request.getfixturevalue("db")
    DispatchCursor.objects.get_or_create(pk=1, defaults={"position": 0})
