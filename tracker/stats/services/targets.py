"""The per-reform target counts (TargetSummary): a database trigger keeps them (migration 0002); this recounts them
all, for data loaded with triggers off (a restore in replica role, the benchmark's fill). Runs in a full refresh."""

from django.db import connection

from reforms.choices import TargetStatus
from reforms.models import RolloutTarget

from ..models import TargetSummary


def target_summaries_rebuild() -> int:
    """Recount every reform's targets by status in one statement; returns the number of reforms with targets.
    PostgreSQL only, like the trigger (elsewhere the figures read the targets themselves): 0 there."""
    if connection.vendor != "postgresql":
        return 0
    quote = connection.ops.quote_name
    statuses = [status.value for status in TargetStatus]
    counts = ", ".join(f"count(*) FILTER (WHERE {quote('status')} = %s)" for _ in statuses)
    TargetSummary.objects.all().delete()  # nothing refers to these rows: one DELETE statement
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(TargetSummary._meta.db_table)} "
            f"({quote('reform_id')}, {quote('targets')}, {', '.join(quote(s) for s in statuses)}) "
            f"SELECT {quote('reform_id')}, count(*), {counts} FROM {quote(RolloutTarget._meta.db_table)} "
            f"GROUP BY {quote('reform_id')}",
            statuses,
        )
        return cursor.rowcount
