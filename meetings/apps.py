from django.apps import AppConfig

from scheduler import caching
from scheduler.performance import register_panel


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        # Here, not at the top: these modules import the models, loaded only by now.
        from . import cache, signals  # noqa: F401 - signals connects the cache invalidation
        from .api import conditional
        from .api.conflicts import register_answers
        from .performance import weekly_chart

        caching.register_families(*cache.FAMILIES)
        register_answers()
        conditional.register_answers()
        register_panel(
            name="weeks",
            dom_id="meetings-per-week",
            template="admin/performance/meetings_per_week.html",
            figures=weekly_chart,
            order=10,
            wide=True,
        )
