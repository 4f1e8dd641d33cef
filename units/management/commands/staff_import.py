"""Import unit staff (CSV or XLSX) and send new accounts a set-your-password link: `manage.py staff_import FILE`."""

from django.core.management.base import BaseCommand, CommandError

from core.tables import ImportFailed
from units.importing import staff_import


class Command(BaseCommand):
    help = (
        "Create or update the unit staff listed in FILE (columns name, username, email, unit; optional phone, role: "
        "填报人/单位管理员) and their memberships. Units may be named by name or alias. Idempotent; accounts and "
        "memberships not in the file are kept. A bad file changes nothing. New accounts are e-mailed a link to set "
        "their password (SITE_URL names the host)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write and send nothing")

    def handle(self, *args, **options):
        try:
            result = staff_import(file=options["file"], dry_run=options["dry_run"])
        except ImportFailed as exc:
            raise CommandError(exc.report()) from None
        for line in result.lines():
            style = self.style.WARNING if result.invitation_failures else self.style.SUCCESS
            self.stdout.write(style(line))
        if result.invitation_failures:
            raise CommandError("set-password links not sent to: " + ", ".join(result.invitation_failures))
