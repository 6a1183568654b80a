"""Which database errors are the room constraint refusing a double booking (a 409), and which
are something else (raised as they are)."""

from django.db import IntegrityError, OperationalError

from meetings.booking import _refused_by_the_constraint


class _PgError(Exception):
    def __init__(self, message: str, pgcode: str):
        super().__init__(message)
        self.pgcode = pgcode


def _django_error(kind, message: str, pgcode: str):
    error = kind(message)
    error.__cause__ = _PgError(message, pgcode)
    return error


DEADLOCK = (
    "deadlock detected\nDETAIL:  Process 1 waits for ShareLock on transaction 2; blocked by "
    "process 3.\nCONTEXT:  while checking exclusion constraint on tuple (0,1) in relation "
    '"meetings_meeting"'
)


def test_the_constraint_and_a_deadlock_over_it_are_refusals():
    violation = 'conflicting key value violates exclusion constraint "room_no_double_booking"'
    assert _refused_by_the_constraint(_django_error(IntegrityError, violation, "23P01"))
    assert _refused_by_the_constraint(_django_error(OperationalError, DEADLOCK, "40P01"))


def test_other_errors_are_not():
    other_deadlock = "deadlock detected\nCONTEXT:  while updating tuple (0,1)"
    assert not _refused_by_the_constraint(_django_error(OperationalError, other_deadlock, "40P01"))
    assert not _refused_by_the_constraint(_django_error(OperationalError, DEADLOCK, "57014"))
    unique = 'duplicate key value violates unique constraint "occurrence_once"'
    assert not _refused_by_the_constraint(_django_error(IntegrityError, unique, "23505"))
