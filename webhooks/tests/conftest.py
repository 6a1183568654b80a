import pytest
from django.db.models import Max

from meetings.changes.models import MeetingChange
from meetings.changes.selectors import change_horizon
from testsupport.servers import wait_until
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
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    DispatchCursor.objects.get_or_create(pk=1, defaults={"position": 0})


def settle(timeout: float = 120.0) -> None:
    """Wait until every change recorded so far is below the change horizon. On PostgreSQL the
    horizon is the cluster's oldest running transaction, whatever its database: another
    database's long transaction on the same server holds it back too."""
    last = MeetingChange.objects.aggregate(last=Max("position"))["last"] or 0
    wait_until(lambda: change_horizon() > last, timeout=timeout, what="the change horizon")
