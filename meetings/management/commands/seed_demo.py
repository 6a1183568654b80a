from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from meetings.demo import seed
from meetings.models import Meeting


class Command(BaseCommand):
    help = "Fill the database with realistic demo users, meetings, participants and notifications."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--meetings", type=int, default=5000)
        parser.add_argument("--participants-per-meeting", type=int, default=3)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if there are meetings already."
        )

    def handle(self, *args, **options):
        if getattr(settings, "DJANGO_ENV", "") == "production":
            raise CommandError("seed_demo writes demo accounts; it refuses to run in production.")
        if options["users"] < 2 or options["meetings"] < 0:
            raise CommandError("Use at least 2 users and a non-negative number of meetings.")
        if options["if_empty"] and Meeting.objects.exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        result = seed(
            users=options["users"],
            meetings=options["meetings"],
            participants_per_meeting=options["participants_per_meeting"],
            seed=options["seed"],
            batch_size=options["batch_size"],
            log=lambda message: self.stdout.write(f"  {message}"),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.users} users, {result.meetings} meetings, "
                f"{result.participants} participants and {result.notifications} notifications "
                f"in {result.seconds:.1f} s ({result.meetings / max(result.seconds, 1e-9):,.0f} "
                "meetings/s)."
            )
        )
