from django.apps import AppConfig
from django.conf import settings

from . import audit, checks  # noqa: F401 - checks registers the deploy checks
from .performance import register_kernel_panels


class SchedulerConfig(AppConfig):
    name = "scheduler"
    verbose_name = "Scheduler"

    def ready(self):
        register_kernel_panels()
        audit.install()
        audit.install_task_context()
        if "zeal" in settings.INSTALLED_APPS and not settings.CELERY_TASK_ALWAYS_EAGER:
            _watch_tasks_for_n_plus_one()


def _watch_tasks_for_n_plus_one():
    """In development, a worker's tasks raise on N+1 lazy loads as requests do (eager tasks
    already run inside a request)."""
    from celery.signals import task_postrun, task_prerun
    from zeal import setup, teardown

    task_prerun.connect(lambda *args, **kwargs: setup(), weak=False)
    task_postrun.connect(lambda *args, **kwargs: teardown(), weak=False)
