import pytest

from meetings.demo import seed


@pytest.fixture
def demo_data():
    """Adds `meetings` demo meetings (about three participants each) with bulk writes."""

    def add(*, meetings: int, users: int = 15):
        return seed(users=users, meetings=meetings, batch_size=500)

    return add
