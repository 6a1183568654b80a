import pytest
from django.db.models import QuerySet

from accounts import services
from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_feed_turned_off_while_its_first_token_was_made_gets_one_again(monkeypatch):
    # given: another request fills the empty token first, then the feed is turned off
    # before this request reads the winner's token
    user = UserFactory()
    real_update = QuerySet.update
    raced = []

    def lose_once(queryset, **values):
        if queryset.model is User and "feed_token" in values and not raced:
            raced.append(True)
            return 0  # as if the winner's UPDATE came first; its feed is then turned off
        return real_update(queryset, **values)

    monkeypatch.setattr(QuerySet, "update", lose_once)
    # when
    token = services.user_feed_token(user=user)
    # then: a token, the one stored, not None
    assert raced
    assert token
    assert User.objects.get(pk=user.pk).feed_token == token
