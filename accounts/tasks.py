from celery import shared_task
from django.utils import timezone

from accounts import services


@shared_task(acks_late=True)
def delete_expired_tokens() -> int:
    return services.tokens_delete_expired(now=timezone.now())
