from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from meetings.postgres import room_exclusion_constraint


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_constraint(apps.get_model("meetings", "Meeting"), room_exclusion_constraint())


def remove_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    meeting = apps.get_model("meetings", "Meeting")
    schema_editor.remove_constraint(meeting, room_exclusion_constraint())


class Migration(migrations.Migration):
    """PostgreSQL refuses double bookings itself: meetings.postgres.room_exclusion_constraint."""

    dependencies = [("meetings", "0005_rooms")]

    operations = [
        # CreateExtension does nothing off PostgreSQL.
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, remove_constraint),
    ]
