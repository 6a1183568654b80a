from django.apps import AppConfig

from scheduler.performance import register_panel


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Here, not at the top: it imports the models, loaded only by now.
        from .performance import outbox_figures

        register_panel(
            name="outbox",
            dom_id="outbox",
            template="admin/performance/outbox.html",
            figures=outbox_figures,
            order=30,
        )
