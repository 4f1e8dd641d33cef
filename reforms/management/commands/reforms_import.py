"""Import a task-division table (CSV or XLSX) into a batch: `manage.py reforms_import FILE [--batch CODE ...]`."""

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.tables import ImportFailed
from reforms.services import FIRST_BATCH_CODE, BatchSpec, reform_import


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": text}) from None


class Command(BaseCommand):
    help = (
        "Import the reforms of a task-division table (CSV in UTF-8, GB18030 or UTF-16, or XLSX; the columns of "
        "reforms.csv) into a batch. Idempotent: a second run changes nothing. A bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument("--batch", dest="batch_code", default=FIRST_BATCH_CODE, help="batch code (slug)")
        parser.add_argument("--title", help="batch title (required for a new batch other than sdftz-1)")
        parser.add_argument("--document-number", help="document number (文号) of the batch")
        parser.add_argument("--issued-on", type=iso_date, help="issue date, YYYY-MM-DD")
        parser.add_argument("--deadline", type=iso_date, help="default completion deadline, YYYY-MM-DD")
        parser.add_argument("--reporting-rules", help="reporting rules text of the batch")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")

    def handle(self, *args, **options):
        spec = BatchSpec(
            code=options["batch_code"],
            title=options["title"],
            document_number=options["document_number"],
            issued_on=options["issued_on"],
            default_deadline=options["deadline"],
            reporting_rules=options["reporting_rules"],
        )
        try:
            result = reform_import(file=options["file"], batch=spec, dry_run=options["dry_run"])
        except ImportFailed as exc:
            raise CommandError(exc.report()) from None
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was written."))
