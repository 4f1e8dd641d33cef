from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    """CONCURRENTLY where PostgreSQL runs it; a plain index elsewhere (the quickstart's SQLite has no such option and
    no million reports to keep writing to)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    # CONCURRENTLY: on a million reports a plain CREATE INDEX would block report writes while it builds.
    atomic = False

    dependencies = [
        ("tracker", "0003_statistics_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="progressreport",
            index=models.Index(fields=["unit", "updated_at", "id"], name="tracker_report_unit_recent_idx"),
        ),
    ]
