from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuthToken
from accounts.services import token_create
from accounts.tasks import delete_expired_tokens
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("expired", [1, 25])
def test_the_daily_sweep_deletes_expired_tokens_only(expired, django_assert_num_queries):
    # given: people with expired tokens who never log in again, and one live token
    for _ in range(expired):
        token, _ = token_create(user=UserFactory())
        AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    live, _ = token_create(user=UserFactory())

    # when: one DELETE whatever their number
    with django_assert_num_queries(1):
        deleted = delete_expired_tokens.delay().get()

    # then
    assert deleted == expired
    assert list(AuthToken.objects.values_list("pk", flat=True)) == [live.pk]


def test_the_sweep_is_on_beat_s_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.tasks.delete_expired_tokens" in tasks
