"""Meetings' panel on the staff Performance page (scheduler.performance): meetings per week."""

from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from .selectors import meetings_per_week

WEEKS_BACK, WEEKS_AHEAD = 16, 10
CHART = {"width": 720, "height": 180, "gap": 4}


def weekly_chart() -> dict:
    """Bars of meetings per week, around this week, computed at most every ten minutes."""
    today = timezone.now().astimezone(UTC).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), UTC)
    first = monday - timedelta(weeks=WEEKS_BACK)
    key = f"admin:weekly:{first:%Y%m%d}"
    counts = cache.get(key)
    if counts is None:
        # UTC weeks for every staff member (they share the cached figures): the database
        # truncates to weeks in the active zone, which the admin sets to the staff member's.
        with timezone.override(UTC):
            counts = meetings_per_week(first_week=first, weeks=WEEKS_BACK + WEEKS_AHEAD)
        cache.set(key, counts, 600)
    return _bars(counts, this_week=monday)


def _bars(counts, *, this_week) -> dict:
    width, height, gap = CHART["width"], CHART["height"], CHART["gap"]
    tallest = max((n for _, n in counts), default=0) or 1
    step = width / max(len(counts), 1)
    bars = []
    for i, (week, n) in enumerate(counts):
        bar_height = round(n / tallest * (height - 20), 1)
        bars.append(
            {
                "x": round(i * step + gap / 2, 1),
                "y": round(height - bar_height, 1),
                "width": round(step - gap, 1),
                "height": bar_height,
                "count": n,
                "week": week.date(),  # its Monday, in any staff member's zone
                "current": week == this_week,
                "future": week > this_week,
            }
        )
    return {**CHART, "bars": bars, "tallest": tallest, "total": sum(n for _, n in counts)}
