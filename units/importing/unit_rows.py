"""Import of the responsible units from units.csv (or the office's XLSX), and name lookup for other imports."""

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tables import (
    Column,
    ImportFailed,
    ImportIssue,
    ImportResult,
    Table,
    choice_parse,
    normalize_header,
    read_table,
)
from units.choices import UnitKind
from units.models import City, Unit, normalize_unit_name

# The Chinese aliases are the headings the office's own tables use.
UNIT_COLUMNS = (
    Column("name", gettext_lazy("unit name"), ("单位名称", "单位", "名称")),
    Column("short_en", gettext_lazy("English name"), ("英文名称", "english_name"), required=False),
    Column("kind", gettext_lazy("kind"), ("类型", "单位类型"), required=True),
    Column("city", gettext_lazy("city"), ("城市", "所在市"), required=False),
    Column("aliases", gettext_lazy("other names"), ("别名", "其他名称"), required=False),
)
ALIAS_SEPARATORS = re.compile(r"[、，,；;\n]+")


class UnitIndex:
    """Every normalised name and alias of the units, to resolve names as a table writes them."""

    def __init__(self, units: Iterable[Unit]):
        self._by_key: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            for key in unit.name_keys():
                self._by_key[key].append(unit)

    def resolve(self, name: str) -> list[Unit]:
        """The units `name` may mean: none (unknown), one, or several (an alias given to two units)."""
        return list(self._by_key.get(normalize_unit_name(name), []))

    def suggest(self, name: str) -> str | None:
        """The closest known name, for "did you mean" hints on typos and OCR damage."""
        close = difflib.get_close_matches(normalize_unit_name(name), list(self._by_key), n=1, cutoff=0.6)
        return self._by_key[close[0]][0].name if close else None


def unit_kind_parse(text: str) -> str | None:
    """Map "provincial department", "provincial_department" or the Chinese label to a UnitKind value."""
    return choice_parse(text, UnitKind)


def city_lookup() -> dict[str, City]:
    """Cities by code, by name with and without 市, and by English name."""
    lookup = {}
    for city in City.objects.all():
        for key in (city.code, city.name, city.name.removesuffix("市") + "市", city.name_en):
            if key:
                lookup[normalize_header(key)] = city
    return lookup


@dataclass
class UnitRow:
    """A validated row of a units file; None means "column absent: leave the stored value alone"."""

    number: int
    name: str
    kind: str
    short_en: str | None
    city: City | None
    city_given: bool
    aliases: str | None


def unit_rows_parse(table: Table) -> list[UnitRow]:
    cities = city_lookup() if table.has("city") else {}
    issues: list[ImportIssue] = []
    rows: list[UnitRow] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        cells, number = row.cells, row.number
        name = cells["name"]
        if not name:
            issues.append(table.issue(_("the unit name is empty"), number, "name"))
        elif len(name) > Unit._meta.get_field("name").max_length:
            issues.append(table.issue(_("the unit name is too long"), number, "name"))
        elif normalize_unit_name(name) in seen:
            message = _("“%(name)s” is already listed in row %(row)d") % {
                "name": name,
                "row": seen[normalize_unit_name(name)],
            }
            issues.append(table.issue(message, number, "name"))
        else:
            seen[normalize_unit_name(name)] = number
        kind = unit_kind_parse(cells["kind"])
        if kind is None:
            message = _("unknown kind “%(value)s”; use one of: %(choices)s") % {
                "value": cells["kind"],
                "choices": ", ".join(str(label) for label in UnitKind.labels),
            }
            issues.append(table.issue(message, number, "kind"))
        city = None
        if cells.get("city"):
            city = cities.get(normalize_header(cells["city"]))
            if city is None:
                message = _("unknown city “%(value)s”") % {"value": cells["city"]}
                issues.append(table.issue(message, number, "city"))
        aliases = None
        if table.has("aliases"):
            aliases = "\n".join(a.strip() for a in ALIAS_SEPARATORS.split(cells["aliases"]) if a.strip())
        rows.append(
            UnitRow(
                number=number,
                name=name,
                kind=kind or "",
                short_en=cells["short_en"] if table.has("short_en") else None,
                city=city,
                city_given=table.has("city"),
                aliases=aliases,
            )
        )
    if issues:
        raise ImportFailed(issues)
    return rows


@transaction.atomic
def unit_import(*, file: str | Path) -> ImportResult:
    """Create or update the units listed in `file`; units not in the file are kept. All or nothing."""
    table = read_table(file, UNIT_COLUMNS)
    rows = unit_rows_parse(table)
    index = UnitIndex(Unit.objects.all())
    result = ImportResult(label=gettext_lazy("Units"))
    issues: list[ImportIssue] = []
    planned: list[tuple[Unit, list[str] | None]] = []
    for row in rows:
        matches = list(Unit.objects.filter(name=row.name)) or index.resolve(row.name)
        if len(matches) > 1:
            message = _("“%(name)s” matches several units: %(units)s") % {
                "name": row.name,
                "units": "、".join(u.name for u in matches),
            }
            issues.append(table.issue(message, row.number, "name"))
            continue
        unit = matches[0] if matches else Unit(name=row.name, short_en=row.short_en or "")
        values = {"kind": row.kind}
        if row.short_en is not None:
            values["short_en"] = row.short_en
        if row.city_given:
            values["city"] = row.city
        if row.aliases is not None:
            values["aliases"] = row.aliases
        changed = [f for f, v in values.items() if getattr(unit, f) != v]
        for field_name, value in values.items():
            setattr(unit, field_name, value)
        try:
            unit.full_clean()
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                column = field_name if table.has(field_name) else None
                for message in messages:
                    issues.append(table.issue(message, row.number, column))
            continue
        planned.append((unit, None if unit.pk is None else changed))
    if issues:
        raise ImportFailed(issues)
    # Written only after every row passed, so a bad row never leaves half a file behind.
    for unit, changed in planned:
        if changed is None:
            unit.save()
            result.created.append(unit.name)
        elif changed:
            unit.save(update_fields=changed)
            result.updated.append(unit.name)
        else:
            result.unchanged.append(unit.name)
    return result
