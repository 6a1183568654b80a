"""The admin's Performance page: how the application is doing, drawn for staff.

The kernel draws what it measures itself (cache hit rates, the slowest endpoints); each app
registers a panel for what only it knows (meetings per week, the notification outbox) in its
AppConfig.ready(), so the page shows them without the kernel importing any app.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse

from . import caching, perfstats


@dataclass(frozen=True)
class Panel:
    name: str  # its figures' name in the page's context
    dom_id: str
    template: str  # drawn with `figures` in its context
    figures: Callable[[], object]
    order: int  # panels are drawn in this order, on a grid two wide
    wide: bool = False  # across the whole grid


_panels: dict[str, Panel] = {}


def register_panel(
    *,
    name: str,
    dom_id: str,
    template: str,
    figures: Callable[[], object],
    order: int,
    wide: bool = False,
) -> None:
    _panels[name] = Panel(name, dom_id, template, figures, order, wide)


def performance(request):
    panels = sorted(_panels.values(), key=lambda panel: panel.order)
    drawn = [{"panel": panel, "figures": panel.figures()} for panel in panels]
    context = {
        **admin.site.each_context(request),
        "title": "Performance",
        "panels": drawn,
        **{item["panel"].name: item["figures"] for item in drawn},
    }
    return TemplateResponse(request, "admin/performance.html", context)


def hit_rates() -> list[dict]:
    return [
        {"family": family, **figures, "percent": round((figures["hit_rate"] or 0) * 100)}
        for family, figures in caching.hit_rates().items()
    ]


def endpoints() -> dict:
    rows = perfstats.slowest(minutes=60, limit=12)
    slowest = max((row["avg_ms"] for row in rows), default=0) or 1
    return {
        "rows": [{**row, "percent": round(row["avg_ms"] / slowest * 100)} for row in rows],
        "silk": "silk" in settings.INSTALLED_APPS,
    }


def register_kernel_panels() -> None:
    register_panel(
        name="hit_rates",
        dom_id="cache-hit-rates-chart",
        template="admin/performance/hit_rates.html",
        figures=hit_rates,
        order=20,
    )
    register_panel(
        name="endpoints",
        dom_id="slowest-endpoints",
        template="admin/performance/endpoints.html",
        figures=endpoints,
        order=90,
        wide=True,
    )
