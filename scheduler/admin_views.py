"""The admin's Performance page: how the application is doing, drawn for staff."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.template.response import TemplateResponse
from django.utils import timezone

from meetings import cache as meeting_cache
from meetings.selectors import meetings_per_week
from notifications.models import Event

from . import perfstats

WEEKS_BACK, WEEKS_AHEAD = 16, 10
CHART = {"width": 720, "height": 180, "gap": 4}


def performance(request):
    context = {
        **admin.site.each_context(request),
        "title": "Performance",
        "hit_rates": _hit_rates(),
        "endpoints": _endpoints(),
        "outbox": _outbox(),
        "weeks": _weekly_chart(),
        "installed_apps": settings.INSTALLED_APPS,
    }
    return TemplateResponse(request, "admin/performance.html", context)


def _hit_rates() -> list[dict]:
    return [
        {"family": family, **figures, "percent": round((figures["hit_rate"] or 0) * 100)}
        for family, figures in meeting_cache.hit_rates().items()
    ]


def _endpoints() -> list[dict]:
    rows = perfstats.slowest(minutes=60, limit=12)
    slowest = max((row["avg_ms"] for row in rows), default=0) or 1
    return [{**row, "percent": round(row["avg_ms"] / slowest * 100)} for row in rows]


def _outbox() -> dict:
    figures = Event.objects.aggregate(
        pending=Count("pk", filter=Q(delivered_at__isnull=True, failed_at__isnull=True)),
        failed=Count("pk", filter=Q(failed_at__isnull=False)),
        oldest=Min("created_at", filter=Q(delivered_at__isnull=True, failed_at__isnull=True)),
    )
    oldest = figures["oldest"]
    figures["oldest_age"] = timezone.now() - oldest if oldest else None
    return figures


def _weekly_chart() -> dict:
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
