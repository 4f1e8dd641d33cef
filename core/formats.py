"""Values as DRF's serializer fields render them, for the hot lists that build their rows as plain dicts.

The reports and reforms lists read `.values_list()` rows and make each answer row with one dict literal: DRF's
per-row field machinery (get_attribute, to_representation and the OrderedDict per nested object, for 25 fields and
5 nested objects a row) was half of those pages' CPU (issue 11). These helpers give the same text DRF's
DateTimeField and DateField give with the default ISO 8601 format; the serializers stay the schema's declaration
and the tests compare both outputs field by field (tracker/tests/test_api_report_rows.py).
"""

from django.utils import timezone


def datetime_text():
    """A function rendering an aware datetime as DRF's DateTimeField does: in the active time zone (read once, for
    a page), ISO 8601, UTC written as Z; None (and any falsy value) as None."""
    zone = timezone.get_current_timezone()

    def text(value):
        if not value:
            return None
        value = value.astimezone(zone).isoformat()
        return value[:-6] + "Z" if value.endswith("+00:00") else value

    return text


def date_text(value):
    """A date as DRF's DateField renders it: ISO 8601, None as None."""
    return value.isoformat() if value else None


def full_name(first_name: str, last_name: str) -> str:
    """User.get_full_name() from the two columns."""
    return f"{first_name} {last_name}".strip()
