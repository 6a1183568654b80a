"""People set their working hours (used by find-a-time) through the API and the admin."""

from datetime import time

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/users/me/"
DAY_ERROR = "The working day must end after it starts."


def test_my_profile_shows_my_working_hours(api_as):
    me = UserFactory(work_start=time(8, 30), work_end=time(16), working_days="1234")

    body = api_as(me).get(ME).json()

    assert (body["work_start"], body["work_end"], body["working_days"]) == (
        "08:30:00",
        "16:00:00",
        "1234",
    )


def test_i_change_my_working_hours(api_as, django_assert_num_queries):
    # given
    me = UserFactory()
    client = api_as(me)
    body = {"work_start": "07:45", "work_end": "15:45", "working_days": "7123"}

    # when: the token, SAVEPOINT, the saved day locked (SELECT ... FOR UPDATE), UPDATE, RELEASE
    with django_assert_num_queries(5):
        response = client.patch(ME, body)

    # then
    assert response.status_code == 200, response.content
    assert response.json()["work_start"] == "07:45:00"
    me.refresh_from_db()
    assert (me.work_start, me.work_end, me.working_days) == (time(7, 45), time(15, 45), "7123")
    assert me.working_weekdays == {1, 2, 3, 7}


@pytest.mark.parametrize(
    "body",
    [
        {"work_start": "10:00", "work_end": "09:00"},
        {"work_start": "10:00", "work_end": "10:00"},
        {"work_start": "17:30"},  # after the saved end (17:00)
        {"work_end": "08:00"},  # before the saved start (09:00)
    ],
)
def test_a_day_that_ends_before_it_starts_is_a_400_on_work_end(api_as, body):
    me = UserFactory()

    response = api_as(me).patch(ME, body)

    assert response.status_code == 400
    assert response.json() == {"work_end": [DAY_ERROR]}
    me.refresh_from_db()
    assert (me.work_start, me.work_end) == (time(9), time(17))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"working_days": "1238"}, "working_days"),
        ({"working_days": "112"}, "working_days"),
        ({"working_days": ""}, "working_days"),
        ({"working_days": "12345678"}, "working_days"),
        ({"working_days": 12345}, "working_days"),
        ({"work_start": "nine"}, "work_start"),
        ({"work_start": "08:00+02:00"}, "work_start"),  # an offset means nothing here
        ({"work_start": 8}, "work_start"),
        ({"work_end": "25:00"}, "work_end"),
    ],
)
def test_bad_working_hours_are_a_400_on_their_field(api_as, body, field):
    me = UserFactory()

    response = api_as(me).patch(ME, body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    me.refresh_from_db()
    assert me.working_days == "12345"


def admin_form_data(admin_client, user: User, **changes) -> dict:
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    for name in ("date_joined", "last_login", "groups", "user_permissions"):
        data.pop(name, None)
    return {**data, "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00", **changes}


def test_staff_set_working_hours_from_the_preferences_of_the_change_page(admin_client):
    # given
    user = User.objects.create_user(username="nightowl", password="pass-word-123")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = admin_form_data(
        admin_client, user, work_start="13:00", work_end="21:00", working_days="2345"
    )

    # when
    response = admin_client.post(url, data)

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.work_start, user.work_end, user.working_days) == (time(13), time(21), "2345")


def test_the_admin_shows_the_working_hours_under_preferences(admin_client):
    user = User.objects.create_user(username="someone")

    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))

    [preferences] = [fs for fs in page.context["adminform"] if fs.name == "Preferences"]
    assert {"work_start", "work_end", "working_days"} <= set(preferences.fields)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"work_start": "18:00", "work_end": "09:00"}, "work_end"),
        ({"working_days": "90"}, "working_days"),
    ],
)
def test_the_admin_refuses_bad_working_hours_on_their_field(admin_client, changes, field):
    user = User.objects.create_user(username="someone", password="pass-word-123")
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = admin_client.post(url, admin_form_data(admin_client, user, **changes))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.work_end, user.working_days) == (time(17), "12345")


def test_the_service_checks_the_day_against_the_saved_row_not_a_stale_copy():
    # given: a copy read before another request moved the start to 16:00
    from datetime import time

    from django.core.exceptions import ValidationError

    from accounts.models import User
    from accounts.services import user_update_profile

    me = UserFactory()
    stale = User.objects.get(pk=me.pk)
    User.objects.filter(pk=me.pk).update(work_start=time(16))

    # when / then: an end at 15:00 was fine against the stale 09:00, not against the saved 16:00
    with pytest.raises(ValidationError) as refused:
        user_update_profile(user=stale, work_end=time(15))
    assert refused.value.message_dict == {"work_end": ["The working day must end after it starts."]}


def test_a_change_made_on_a_stale_copy_is_saved_whole_against_the_row():
    # given: request 2 authenticated (its copy: 09:00-17:00) before request 1 saved 12:00-17:00
    from datetime import time

    from accounts.models import User
    from accounts.services import user_update_profile

    me = UserFactory(work_start=time(9), work_end=time(17))
    stale = User.objects.get(pk=me.pk)
    user_update_profile(user=me, work_start=time(12))

    # when: request 2 sets 09:00-11:00, its start equal to its stale copy's
    user_update_profile(user=stale, work_start=time(9), work_end=time(11))

    # then: both ends are saved, not only the one that differed from the stale copy
    me.refresh_from_db()
    assert (me.work_start, me.work_end) == (time(9), time(11))
