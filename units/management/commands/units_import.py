"""Import the responsible units (units.csv or XLSX) and make sure the 16 cities exist: `manage.py units_import FILE`."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.tables import ImportFailed
from units.importing import city_sync_all, unit_import


class Command(BaseCommand):
    help = (
        "Create or update the 16 cities of Shandong and the units listed in FILE (columns name, short_en, kind; "
        "optional city, aliases). Idempotent; units not in the file are kept. A bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")

    def handle(self, *args, **options):
        try:
            # Cities first: a city government's row names its city.
            with transaction.atomic():
                cities = city_sync_all()
                units = unit_import(file=options["file"])
        except ImportFailed as exc:
            raise CommandError(exc.report()) from None
        self.stdout.write(self.style.SUCCESS(cities.summary()))
        self.stdout.write(self.style.SUCCESS(units.summary()))
