"""Ordering breakdown rows by any figure, the colour or the subject's own fields (`ordering=-completion_rate,code`).

Rows are few (one per reform at most), so they are sorted in Python after the aggregate queries; empty values (a
rate of a row without applicable targets, a colour not computed yet) always sort last.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..choices import COLOUR_RANK
from .breakdowns import COLOURED, Row
from .figures import FIGURE_FIELDS

SUBJECT_FIELDS = {
    "reform": {
        "code": lambda s: s["code"],
        "number": lambda s: (s["category"], s["number"]),
        "title": lambda s: s["title"],
        "deadline": lambda s: s["deadline"] or s["batch__default_deadline"],
    },
    "unit": {"name": lambda s: s["name"]},
    "city": {"code": lambda s: s["code"], "name": lambda s: s["name"]},
    "batch": {"code": lambda s: s["code"], "issued_on": lambda s: s["issued_on"]},
    "category": {},
    "scope": {},
}


def ordering_fields(breakdown: str) -> list[str]:
    """What `ordering` accepts for a breakdown ("position": the default order, the table's)."""
    fields = ["position", *SUBJECT_FIELDS[breakdown], *FIGURE_FIELDS]
    if breakdown in COLOURED:
        fields.append("colour")
    return fields


def _key(breakdown: str, name: str):
    if name == "colour":
        return lambda row: COLOUR_RANK.get(row.status.colour) if row.status and row.status.colour else None
    if name in FIGURE_FIELDS:
        return lambda row: getattr(row.figures, name)
    if name == "position":
        return lambda row: row.extra["position"]
    subject_key = SUBJECT_FIELDS[breakdown][name]
    return lambda row: subject_key(row.subject)


def order_rows(rows: list[Row], ordering: str | None, breakdown: str) -> list[Row]:
    """Sort by the comma-separated fields of `ordering` (- for descending); raises ValidationError on "ordering"."""
    for position, row in enumerate(rows):
        row.extra.setdefault("position", position)
    names = [name.strip() for name in (ordering or "").split(",") if name.strip()]
    allowed = ordering_fields(breakdown)
    unknown = [name for name in names if name.lstrip("-") not in allowed]
    if unknown:
        raise ValidationError(
            {
                "ordering": _("Unknown field “%(field)s”; use one of: %(fields)s")
                % {"field": unknown[0], "fields": ", ".join(allowed)}
            }
        )
    result = list(rows)
    # Stable sorts, last key first: the first field decides, later ones break ties.
    for name in reversed(names):
        descending = name.startswith("-")
        key = _key(breakdown, name.lstrip("-"))
        if descending:
            result.sort(key=lambda row, key=key: (key(row) is not None, key(row)), reverse=True)
        else:
            result.sort(key=lambda row, key=key: (key(row) is None, key(row)))
    return result
