import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the block as a committed transaction would (on_commit runs,
    and with it the eager Celery tasks)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
