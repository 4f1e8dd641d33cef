from django.db import migrations, models

from core.migration_operations import AddIndexConcurrentlyOnPostgreSQL, RemoveIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    # CONCURRENTLY: on a million reports a plain CREATE INDEX would block report writes while it builds. The new
    # index is built before the old one goes, so the list and the rollup always have one.
    atomic = False

    dependencies = [
        ("tracker", "0004_report_unit_updated_index"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="progressreport",
            index=models.Index(fields=["updated_at", "id"], name="tracker_report_recent_idx"),
        ),
        RemoveIndexConcurrentlyOnPostgreSQL(model_name="progressreport", name="tracker_report_updated_idx"),
    ]
