import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"])
def test_iana_time_zones_are_accepted(zone):
    # given
    user = UserFactory.build(timezone=zone)

    # when: no ValidationError
    user.full_clean(exclude=["password"])

    # then: the zone is kept as written
    assert user.timezone == zone


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "europe/paris", "posixrules", "../etc/passwd", ""]
)
def test_anything_else_is_a_timezone_field_error(zone):
    user = UserFactory.build(timezone=zone)

    with pytest.raises(ValidationError) as error:
        user.full_clean(exclude=["password"])

    assert "timezone" in error.value.message_dict


def test_new_users_live_in_utc_until_they_say_otherwise():
    user = User.objects.create_user(username="newcomer", password="pass-word-123")

    assert user.timezone == "UTC"


def test_a_user_reads_as_full_name_and_username():
    assert str(UserFactory.build(username="ada", first_name="Ada", last_name="Lovelace")) == (
        "Ada Lovelace (ada)"
    )
    assert str(UserFactory.build(username="anon", first_name="", last_name="")) == "anon"
