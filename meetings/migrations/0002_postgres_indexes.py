from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from meetings.postgres import meeting_postgres_indexes


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    meeting = apps.get_model("meetings", "Meeting")
    for index in meeting_postgres_indexes():
        schema_editor.add_index(meeting, index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    meeting = apps.get_model("meetings", "Meeting")
    for index in meeting_postgres_indexes():
        schema_editor.remove_index(meeting, index)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [
        # CreateExtension does nothing off PostgreSQL.
        TrigramExtension(),
        migrations.RunPython(add_indexes, remove_indexes),
    ]
