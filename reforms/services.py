"""Writes on batches, reforms, their responsible units and rollout targets."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tables import ImportFailed, ImportIssue, ImportResult
from units.models import City, Unit

from .choices import ResponsibilityRole, Scope
from .importing import ReformRow, reform_rows_read
from .models import Batch, Reform, Responsibility, RolloutTarget

FIRST_BATCH_CODE = "sdftz-1"
# Titles of the batches we know, as their tables print them; a new batch must be given its title.
KNOWN_BATCH_TITLES = {FIRST_BATCH_CODE: "山东自贸试验区38项制度创新成果复制推广工作任务分工表"}


@dataclass(frozen=True)
class BatchSpec:
    """The batch an import fills. None leaves a stored value alone, so the admin's edits survive a re-import."""

    code: str = FIRST_BATCH_CODE
    title: str | None = None
    document_number: str | None = None
    issued_on: datetime.date | None = None
    default_deadline: datetime.date | None = None
    reporting_rules: str | None = None


@transaction.atomic
def reform_import(
    *,
    file: str | Path | None = None,
    rows: Sequence[ReformRow] | None = None,
    batch: BatchSpec | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update a batch's reforms from a table, idempotently: a second run writes nothing.

    Reforms are matched by (batch, category, number). Fields, responsible units and (for 全省) rollout targets are
    made to match the file, writing only what differs. Reforms missing from the file are kept and reported, since
    progress reports may hang on them. Any problem raises ImportFailed and rolls back everything.
    """
    if (file is None) == (rows is None):
        raise TypeError("Pass exactly one of file= or rows=.")
    if rows is None:
        rows = reform_rows_read(file)
    spec = batch or BatchSpec()
    result = ImportResult(label=gettext_lazy("Reforms"))

    if any(row.scope == Scope.ALL_CITIES for row in rows) and not City.objects.exists():
        raise ImportFailed(
            [
                ImportIssue(
                    _(
                        "No cities exist yet, so the whole-province reforms would get no target cities; "
                        "run “manage.py units_import” first."
                    )
                )
            ]
        )
    batch_obj = _batch_apply(spec, result)
    existing = {(r.category, r.number): r for r in batch_obj.reforms.prefetch_related("responsibilities")}
    in_file = set()
    issues: list[ImportIssue] = []
    for row in rows:
        in_file.add((row.category, row.number))
        reform = existing.get((row.category, row.number))
        values = {
            "position": row.position,
            "code": row.code(batch_obj.code),
            "title": row.title,
            "content": row.content,
            "scope": row.scope,
            "needs_verification": row.needs_verification,
            "verification_note": row.verification_note,
        }
        created = reform is None
        if created:
            reform = Reform(batch=batch_obj, category=row.category, number=row.number)
        changed = [name for name, value in values.items() if getattr(reform, name) != value]
        for name, value in values.items():
            setattr(reform, name, value)
        if created or changed:
            try:
                reform.full_clean()
            except ValidationError as exc:
                issues.extend(ImportIssue(str(m), row=row.row) for m in exc.messages)
                continue
            reform.save(update_fields=None if created else changed)
        units_changed = _responsibilities_sync(reform, row.units)
        targets = reform_sync_targets(reform=reform)
        result.targets_created += targets
        code = reform.code
        if created:
            result.created.append(code)
        elif changed or units_changed or targets:
            result.updated.append(code)
        else:
            result.unchanged.append(code)
    if issues:
        raise ImportFailed(issues)

    result.absent = sorted(r.code for key, r in existing.items() if key not in in_file)
    if result.absent:
        result.notes.append(
            _("%(count)d reforms of this batch are not in the file and were kept: %(codes)s")
            % {"count": len(result.absent), "codes": ", ".join(result.absent)}
        )
    if result.targets_created:
        result.notes.append(_("Rollout targets created: %(count)d") % {"count": result.targets_created})
    if dry_run:
        transaction.set_rollback(True)
    return result


@transaction.atomic
def reform_sync_targets(*, reform: Reform) -> int:
    """Give a 全省 reform a rollout target in every city; returns how many were created.

    Only adds: the targets the office chose for 有条件的市 reforms, and the status of existing targets, are never
    touched, and a reform moved away from 全省 keeps its targets until the office removes them.
    """
    if reform.scope != Scope.ALL_CITIES:
        return 0
    # NOT IN (cities that already have a target for this reform): one query however many cities exist.
    missing = City.objects.exclude(targets__reform=reform).order_by("code")
    created = RolloutTarget.objects.bulk_create([RolloutTarget(reform=reform, city=city) for city in missing])
    return len(created)


def _batch_apply(spec: BatchSpec, result: ImportResult) -> Batch:
    batch = Batch.objects.filter(code=spec.code).first()
    values = {
        name: getattr(spec, name)
        for name in ("title", "document_number", "issued_on", "default_deadline", "reporting_rules")
        if getattr(spec, name) is not None
    }
    created = batch is None
    if created:
        values.setdefault("title", KNOWN_BATCH_TITLES.get(spec.code, ""))
        if not values["title"]:
            message = _("Batch “%(code)s” does not exist yet; give its title (--title).") % {"code": spec.code}
            raise ImportFailed([ImportIssue(message)])
        batch = Batch(code=spec.code)
    changed = [name for name, value in values.items() if getattr(batch, name) != value]
    for name, value in values.items():
        setattr(batch, name, value)
    if created or changed:
        try:
            batch.full_clean()
        except ValidationError as exc:
            raise ImportFailed(
                [
                    ImportIssue(_("Batch “%(code)s”: %(error)s") % {"code": spec.code, "error": message})
                    for message in exc.messages
                ]
            ) from None
        batch.save(update_fields=None if created else changed)
        note = _("Batch “%(code)s” created.") if created else _("Batch “%(code)s” updated.")
        result.notes.append(note % {"code": spec.code})
    return batch


@transaction.atomic
def responsibilities_save(
    *, reform: Reform, rows: Iterable[Responsibility] = (), removed: Iterable[Responsibility] = ()
) -> None:
    """Write `reform`'s responsible units: delete `removed`, then save `rows` (new or changed), co-units first.

    The one write path for responsibilities: the import and the reform admin page both end here. The one-lead index is
    checked per statement, so handing the lead from one unit to another in one save collides if the new lead is
    written while the old one still leads: every demotion (and deletion) goes before the promotion.
    """
    rows = list(rows)
    if any(row.reform_id != reform.pk for row in rows):
        raise ValueError("Every row must belong to the reform.")
    removed_pks = [row.pk for row in removed if row.pk is not None]
    if removed_pks:
        Responsibility.objects.filter(reform=reform, pk__in=removed_pks).delete()
    for row in sorted(rows, key=lambda r: r.role == ResponsibilityRole.LEAD):
        row.save()


def _responsibilities_sync(reform: Reform, units: Sequence[Unit]) -> bool:
    """Make the reform's units exactly `units` (first = lead, in order); True when anything was written."""
    wanted = {
        unit.pk: (ResponsibilityRole.LEAD if position == 1 else ResponsibilityRole.CO, position)
        for position, unit in enumerate(units, start=1)
    }
    existing = {r.unit_id: r for r in reform.responsibilities.all()}
    removed = [r for unit_id, r in existing.items() if unit_id not in wanted]
    rows = []
    for unit_id, (role, position) in wanted.items():
        # Existing rows are updated in place rather than replaced, so their ids stay stable.
        row = existing.get(unit_id) or Responsibility(reform=reform, unit_id=unit_id)
        if row.pk is None or (row.role, row.position) != (role, position):
            row.role, row.position = role, position
            rows.append(row)
    if not (removed or rows):
        return False
    responsibilities_save(reform=reform, rows=rows, removed=removed)
    return True
