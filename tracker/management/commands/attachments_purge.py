"""Remove evidence files that no attachment row names (uploads whose transaction rolled back)."""

import datetime

from django.core.management.base import BaseCommand

from tracker.services import attachment_orphans_purge


class Command(BaseCommand):
    help = (
        "Remove stored attachment files without an attachment row, older than --hours (default: "
        "ATTACHMENT_ORPHAN_GRACE). --dry-run lists them and removes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, help="Only files older than this many hours.")
        parser.add_argument("--dry-run", action="store_true", help="List the files; remove nothing.")

    def handle(self, *args, hours=None, dry_run=False, **options):
        older_than = datetime.timedelta(hours=hours) if hours is not None else None
        sweep = attachment_orphans_purge(older_than=older_than, dry_run=dry_run)
        for name in sweep.found:
            self.stdout.write(name)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{len(sweep.found)} orphaned files, {verb} {len(sweep.found)}")
