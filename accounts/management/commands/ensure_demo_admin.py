from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User

USERNAME = "admin"
PASSWORD = "admin"  # noqa: S105 - the local demo login that `make run` prints


class Command(BaseCommand):
    help = "Create (or reset) the demo superuser admin/admin. Refuses to run in production."

    def handle(self, *args, **options):
        if getattr(settings, "DJANGO_ENV", "") == "production":
            raise CommandError("ensure_demo_admin refuses to run in production.")
        user, _ = User.objects.get_or_create(
            username=USERNAME, defaults={"email": "admin@example.com"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(PASSWORD)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(f"Demo admin login: user {USERNAME}, password {PASSWORD}")
        )
