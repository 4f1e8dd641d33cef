from django.db import migrations, models

from core.migration_operations import AddIndexConcurrentlyOnPostgreSQL


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
