"""Free/busy and find-a-time: who is busy when, and when everyone could meet.

busy.py reads (two queries: the people, their busy time); intervals.py and working_hours.py are
pure time arithmetic; slots.py puts them together. docs/availability.md tells the rules.
"""

from .busy import (
    BUSY,
    TENTATIVE,
    BusyInterval,
    PersonBusy,
    availability_users,
    busy_queryset,
    busy_rows,
    free_busy,
)
from .slots import Suggestion, suggest_slots

__all__ = [
    "BUSY",
    "TENTATIVE",
    "BusyInterval",
    "PersonBusy",
    "Suggestion",
    "availability_users",
    "busy_queryset",
    "busy_rows",
    "free_busy",
    "suggest_slots",
]
