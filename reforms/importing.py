"""Reading a task-division table (the columns of reforms.csv) into validated rows, before anything is written.

Every row is checked and every problem collected, so the office gets the whole list of fixes at once; the write side
(reforms.services.reform_import) runs only on a file without problems.
"""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tables import Column, ImportFailed, ImportIssue, Table, normalize_header, read_table
from units.importing import UnitIndex
from units.models import Unit, normalize_unit_name

from .choices import Category, Scope
from .models import Reform

# The Chinese aliases are the headings of the published table, so the office's own XLSX imports as it is.
REFORM_COLUMNS = (
    Column("section", gettext_lazy("category"), ("类别", "分类")),
    Column("number", gettext_lazy("number"), ("序号", "编号")),
    Column("title", gettext_lazy("title"), ("改革事项", "事项名称")),
    Column("title_certain", gettext_lazy("title certain"), ("标题是否确定",), required=False),
    Column("content", gettext_lazy("content"), ("主要内容",)),
    Column("units", gettext_lazy("responsible units"), ("负责单位",)),
    Column("scope", gettext_lazy("promotion scope"), ("推广范围",)),
    Column("uncertain", gettext_lazy("verification note"), ("待核实", "待核实说明", "存疑说明"), required=False),
    # The note in Chinese for the office, where `uncertain` holds a reconstruction note in another language (the
    # seed table's English OCR notes, kept for the repository's docs): when given, it is the note that is stored.
    Column("note_zh", gettext_lazy("verification note (Chinese)"), ("核实说明",), required=False),
)

# Separators seen between unit names: the table's 、, Chinese and ASCII commas and semicolons, line breaks typed in
# Excel cells. Spaces separate names too, but PDF extraction also puts spaces inside names (中国人民银行 山东省分行),
# so space-separated words are joined back greedily into the longest known name.
UNIT_SEPARATORS = re.compile(r"[、，,；;\n]+")
UNKNOWN_MARKERS = {"unknown", "待核实", "未知", "不详"}
NO_NOTE_MARKERS = {"none", "无", "-", "—", "n/a"}
YES = {"yes", "y", "true", "1", "是", "确定"}
NO = {"no", "n", "false", "0", "否", "不确定"}
MAX_NUMBER = 999


def _choice_lookup(choices, extra: dict[str, str]) -> dict[str, str]:
    """Value, English label and Chinese label of each choice, plus extra spellings, all as normalized keys."""
    lookup = {normalize_header(text): value for text, value in extra.items()}
    for choice in choices:
        lookup[normalize_header(choice.value)] = choice.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[normalize_header(str(choice.label))] = choice.value
    return lookup


def category_lookup() -> dict[str, str]:
    return _choice_lookup(Category, {"改革试点经验": Category.PILOT, "最佳实践案例": Category.BEST_PRACTICE})


def scope_lookup() -> dict[str, str]:
    extra = {"全省": Scope.ALL_CITIES, "有条件的市": Scope.QUALIFIED_CITIES}
    extra.update(dict.fromkeys(UNKNOWN_MARKERS, Scope.UNVERIFIED))
    return _choice_lookup(Scope, extra)


@dataclass(frozen=True)
class ReformRow:
    """One validated row of the table; `row` is its number in Excel (header = row 1)."""

    row: int
    position: int
    category: str
    number: int
    title: str
    content: str
    scope: str
    units: tuple[Unit, ...]
    units_unknown: bool = False
    title_certain: bool = True
    uncertain: str = ""
    note_zh: str = ""

    def code(self, batch_code: str) -> str:
        prefix = "p" if self.category == Category.PILOT else "b"
        return f"{batch_code}-{prefix}{self.number:02d}"

    @property
    def needs_verification(self) -> bool:
        return bool(
            not self.title_certain
            or self.uncertain
            or self.note_zh
            or self.units_unknown
            or self.scope == Scope.UNVERIFIED
        )

    @property
    def verification_note(self) -> str:
        """The table's own note, verbatim (its Chinese note if it has one); a generated one only when the table flags
        a doubt without a note."""
        if self.note_zh:
            return self.note_zh
        if self.uncertain or not self.needs_verification:
            return self.uncertain
        reasons = []
        if not self.title_certain:
            reasons.append(_("The title could not be fully recovered; check it against the original."))
        if self.units_unknown:
            reasons.append(_("The responsible units are not known yet."))
        if self.scope == Scope.UNVERIFIED:
            reasons.append(_("The promotion scope is not known yet."))
        return " ".join(reasons)


def reform_rows_read(file: str | Path) -> list[ReformRow]:
    """Read and validate a whole CSV/XLSX file; raises ImportFailed listing every problem."""
    return reform_rows_parse(read_table(file, REFORM_COLUMNS))


def reform_rows_parse(table: Table, *, units: UnitIndex | None = None) -> list[ReformRow]:
    units = units or UnitIndex(Unit.objects.all())
    categories, scopes = category_lookup(), scope_lookup()
    issues: list[ImportIssue] = []
    rows: list[ReformRow] = []
    seen: dict[tuple[str, int], int] = {}
    title_max = Reform._meta.get_field("title").max_length

    for position, table_row in enumerate(table.rows, start=1):
        cells, row = table_row.cells, table_row.number
        problems_before = len(issues)

        def problem(column: str, message: str, row: int = row) -> None:
            issues.append(table.issue(message, row, column))

        category = categories.get(normalize_header(cells["section"]))
        if category is None:
            problem(
                "section",
                _("“%(value)s” is not a category; use pilot / best_practice (改革试点经验 / 最佳实践案例)")
                % {"value": cells["section"]},
            )
        number = _parse_number(cells["number"])
        if number is None:
            problem(
                "number",
                _("“%(value)s” is not a number from 1 to %(max)d") % {"value": cells["number"], "max": MAX_NUMBER},
            )
        elif category is not None:
            first = seen.setdefault((category, number), row)
            if first != row:
                problem(
                    "number",
                    _("%(category)s %(number)d is already in row %(first)d")
                    % {"category": Category(category).label, "number": number, "first": first},
                )
        title = cells["title"]
        if not title:
            problem("title", _("the title is empty"))
        elif len(title) > title_max:
            problem("title", _("the title is longer than %(max)d characters") % {"max": title_max})
        scope = scopes.get(normalize_header(cells["scope"]))
        if scope is None:
            problem(
                "scope",
                _("“%(value)s” is not a scope; use 全省, 有条件的市 or 待核实") % {"value": cells["scope"]},
            )
        title_certain = True
        if table.has("title_certain"):
            flag = normalize_header(cells["title_certain"])
            if flag in NO:
                title_certain = False
            elif flag and flag not in YES:
                problem("title_certain", _("“%(value)s” is neither yes nor no") % {"value": cells["title_certain"]})
        row_units, units_unknown, unit_problems = _parse_units(cells["units"], units)
        for message in unit_problems:
            problem("units", message)

        if len(issues) == problems_before:
            uncertain = cells.get("uncertain", "")
            note_zh = cells.get("note_zh", "")
            rows.append(
                ReformRow(
                    row=row,
                    position=position,
                    category=category,
                    number=number,
                    title=title,
                    content=cells["content"],
                    scope=scope,
                    units=row_units,
                    units_unknown=units_unknown,
                    title_certain=title_certain,
                    uncertain="" if uncertain.strip().lower() in NO_NOTE_MARKERS else uncertain,
                    note_zh="" if note_zh.strip().lower() in NO_NOTE_MARKERS else note_zh.strip(),
                )
            )
    if issues:
        raise ImportFailed(issues)
    return rows


def _parse_number(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text).strip()
    # Excel hands whole numbers over as floats ("3.0") when a CSV was round-tripped through it.
    text = text.removesuffix(".0")
    if not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_NUMBER else None


def _parse_units(cell: str, index: UnitIndex) -> tuple[tuple[Unit, ...], bool, list[str]]:
    """The units of one cell in table order, whether the cell says they are unknown, and the problems found."""
    if normalize_header(cell) in UNKNOWN_MARKERS or not cell.strip():
        return (), True, []
    found: list[Unit] = []
    problems: list[str] = []
    spelled: dict[int, str] = {}
    for name in _unit_names(cell, index):
        matches = index.resolve(name)
        if not matches:
            suggestion = index.suggest(name)
            if suggestion:
                message = _("unknown unit “%(name)s” (did you mean “%(suggestion)s”?)") % {
                    "name": name,
                    "suggestion": suggestion,
                }
            else:
                message = _("unknown unit “%(name)s”") % {"name": name}
            problems.append(message)
        elif len(matches) > 1:
            problems.append(
                _("“%(name)s” matches several units: %(units)s")
                % {"name": name, "units": "、".join(u.name for u in matches)}
            )
        elif matches[0].pk in spelled:
            first = spelled[matches[0].pk]
            if normalize_unit_name(first) == normalize_unit_name(name):
                problems.append(_("“%(name)s” is listed twice") % {"name": name})
            else:
                problems.append(_("“%(name)s” and “%(first)s” are the same unit") % {"name": name, "first": first})
        else:
            spelled[matches[0].pk] = name
            found.append(matches[0])
    return tuple(found), False, problems


def _unit_names(cell: str, index: UnitIndex) -> list[str]:
    names = []
    for piece in UNIT_SEPARATORS.split(cell):
        words = piece.split()
        start = 0
        while start < len(words):
            # The longest run of words from `start` that names a unit; a lone unknown word otherwise.
            end = next(
                (end for end in range(len(words), start, -1) if index.resolve("".join(words[start:end]))),
                start + 1,
            )
            names.append(" ".join(words[start:end]))
            start = end
    return names
