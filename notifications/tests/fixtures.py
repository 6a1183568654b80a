"""Fixtures for notifications and for the apps that notify (meetings' reminders), listed in
the root conftest's pytest_plugins so that every app's tests can ask for them."""

import pytest
from django.utils import timezone


@pytest.fixture
def now():
    """The present to the second: times built from it compare equal after a database round
    trip."""
    return timezone.now().replace(microsecond=0)
