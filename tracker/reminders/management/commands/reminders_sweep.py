"""Run the reminder sweep now (what Celery beat does on its schedule), or show what it would send."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from tracker.reminders import services


class Command(BaseCommand):
    help = "Run the reminder sweep now, or with --dry-run show what it would send without sending or keeping anything."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Sweep as of this day (YYYY-MM-DD); default: today.")
        parser.add_argument("--dry-run", action="store_true", help="Show the digests; write and send nothing.")

    def handle(self, *args, date=None, dry_run=False, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError("--date takes YYYY-MM-DD") from exc
        if dry_run:
            plan = services.reminders_dry_run(today=today)
            self._summary(plan.result)
            for digest in plan.digests:
                self.stdout.write(f"{digest.channel}\t{digest.target_name}\t{digest.address}\t{len(digest.items)}")
                for item in digest.items:
                    self.stdout.write(
                        f"\t{item.step}\t{item.reform_code}\t{item.unit_name}\t{item.due_on}\t{item.bucket}"
                    )
            return
        self._summary(services.reminders_sweep(today=today))

    def _summary(self, result):
        if result.skipped:
            self.stdout.write(f"{result.today}: day off, nothing sent")
            return
        refresh = result.refresh
        self.stdout.write(
            f"{result.today}: {refresh.periods_created} periods and {refresh.obligations_created} obligations created, "
            f"{refresh.obligations_met} met, {refresh.obligations_reopened} reopened; "
            f"{result.reminders_recorded} reminders recorded, {result.reminders_claimed} claimed in "
            f"{len(result.deliveries)} digests"
        )
