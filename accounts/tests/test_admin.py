import pytest
from django.urls import reverse

from accounts.models import User
from testsupport.admin_datasets import assert_fixed_queries

pytestmark = pytest.mark.django_db

USERS = reverse("admin:accounts_user_changelist")


@pytest.mark.parametrize(
    ("url_for", "expected"),
    [
        (lambda data: USERS, 4),
        (lambda data: USERS + "?q=person&is_staff__exact=0", 4),
        (lambda data: reverse("admin:accounts_user_change", args=[data.organizer.pk]), 7),
        (lambda data: reverse("admin:accounts_user_add"), 2),
        (
            lambda data: (
                reverse("admin:autocomplete")
                + "?app_label=meetings&model_name=meeting&field_name=created_by&term=person"
            ),
            4,
        ),
    ],
)
def test_user_admin_pages_run_a_fixed_number_of_queries(
    admin_client, admin_dataset, url_for, expected
):
    assert_fixed_queries(admin_client, admin_dataset, url_for, expected)


def test_staff_set_a_time_zone_from_the_change_page(admin_client):
    user = User.objects.create_user(username="traveller", password="pass-word-123")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(timezone="Asia/Tokyo", date_joined_0="2026-01-01", date_joined_1="09:00:00")
    data.pop("date_joined", None)
    data.pop("last_login", None)

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.timezone == "Asia/Tokyo"


def test_a_wrong_time_zone_is_shown_on_its_field(admin_client):
    user = User.objects.create_user(username="traveller", password="pass-word-123")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "username": "traveller",
        "timezone": "Atlantis/Capital",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "timezone" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.timezone == "UTC"


def test_staff_log_out_of_the_admin(client):
    # given: staff logged in (zeal raises on N+1 here, as in development)
    User.objects.create_superuser("boss", "boss@example.com", "pass-word-123")
    client.login(username="boss", password="pass-word-123")
    # when
    response = client.post(reverse("admin:logout"))
    # then
    assert response.status_code == 200
    assert "Logged out" in response.text
    assert client.get(reverse("admin:index")).status_code == 302  # to the login page


def test_staff_change_their_own_password_and_keep_their_session(client):
    # given
    boss = User.objects.create_superuser("boss", "boss@example.com", "pass-word-123")
    client.login(username="boss", password="pass-word-123")
    url = reverse("admin:auth_user_password_change", args=[boss.pk])
    # when
    response = client.post(
        url,
        {"password1": "N3w-pass-word!x", "password2": "N3w-pass-word!x", "usable_password": "true"},
    )
    # then: changed, and this browser is still logged in
    assert response.status_code == 302, response.context and response.context["form"].errors
    boss.refresh_from_db()
    assert boss.check_password("N3w-pass-word!x")
    assert client.get(reverse("admin:index")).status_code == 200
