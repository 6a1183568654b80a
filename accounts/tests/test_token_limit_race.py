"""TOKEN_LIMIT_PER_USER holds when a person logs in from many places at the same moment."""

import pytest

from accounts.models import AuthToken
from accounts.services import token_create
from accounts.tests.factories import UserFactory
from testsupport.concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_logins_never_leave_more_tokens_than_the_limit(settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 3}
    user = UserFactory()

    at_once(lambda i: token_create(user=user, client=f"device {i}"))

    assert AuthToken.objects.filter(user=user).count() == 3
