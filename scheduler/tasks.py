"""Housekeeping that belongs to no app."""

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True)
def silk_garbage_collect() -> None:
    """Trim Silk's tables to SILKY_MAX_RECORDED_REQUESTS, here rather than inside requests."""
    if "silk" in settings.INSTALLED_APPS:
        from silk.models import Request

        Request.garbage_collect(force=True)
