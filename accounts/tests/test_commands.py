import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_ensure_demo_admin_creates_a_superuser_who_can_log_in(client):
    call_command("ensure_demo_admin", stdout=None)

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert client.login(username="admin", password="admin")


def test_ensure_demo_admin_resets_a_changed_password_without_a_second_user(client):
    call_command("ensure_demo_admin")
    User.objects.filter(username="admin").update(is_staff=False)
    admin = User.objects.get(username="admin")
    admin.set_password("something-else")
    admin.save()

    call_command("ensure_demo_admin")

    assert User.objects.filter(username="admin").count() == 1
    assert client.login(username="admin", password="admin")
    assert User.objects.get(username="admin").is_staff


def test_ensure_demo_admin_refuses_production(settings):
    settings.DJANGO_ENV = "production"

    with pytest.raises(CommandError, match="production"):
        call_command("ensure_demo_admin")

    assert not User.objects.exists()
