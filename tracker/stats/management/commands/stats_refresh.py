"""Refresh the statistics rollup now: `manage.py stats_refresh [--full]`."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tracker.stats.services import stats_refresh


class Command(BaseCommand):
    help = (
        "Bring the statistics rollup (report obligations, per-unit summaries, this month's colours) up to date. "
        "Celery beat runs this every minute; --full rebuilds everything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild everything, not only what changed")

    def handle(self, *args, **options):
        result = stats_refresh(full=options["full"])
        if result.skipped:
            self.stdout.write(_("Another refresh is running; nothing done."))
            return
        scope = (
            _("everything") if result.reforms is None else _("%(count)d changed reforms") % {"count": result.reforms}
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Statistics refreshed (%(scope)s, %(snapshots)d colours) in %(ms)d ms.")
                % {"scope": scope, "snapshots": result.snapshots, "ms": result.duration_ms}
            )
        )
