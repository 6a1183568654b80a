from django.db import migrations

from meetings.postgres import meeting_start_by_id_index


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("meetings", "Meeting"), meeting_start_by_id_index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        meeting = apps.get_model("meetings", "Meeting")
        schema_editor.remove_index(meeting, meeting_start_by_id_index())


class Migration(migrations.Migration):
    dependencies = [("meetings", "0009_change_record")]

    operations = [migrations.RunPython(add_index, remove_index)]
