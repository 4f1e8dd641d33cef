"""Evidence files: checked by content before anything is stored, written under MEDIA_ROOT with a random name."""

import datetime
import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access
from units.models import Unit

from ..exceptions import ReportStateConflict
from ..models import Attachment, ProgressReport
from ..uploads import inspect_upload
from .reports import report_lock

MAX_ATTACHMENTS_PER_REPORT = 30


def safe_name(name: str) -> str:
    """The uploaded file's name as stored and shown: its last path part, no control characters, at most 255."""
    # Only ever shown and sent back in Content-Disposition; still, no paths and no control characters.
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 254 - len(ext)] + dot + ext) if dot else base[:255]
    return base or "attachment"


def upload_sha256(upload: UploadedFile) -> str:
    """The SHA-256 of an upload's content (stored with the file: proof of what was filed)."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _require_editable(report: ProgressReport, user) -> ProgressReport:
    access.require_unit_member(user, report.unit_id)
    report = report_lock(report)
    if not report.is_editable:
        raise ReportStateConflict()
    return report


@transaction.atomic
def attachment_add(*, report: ProgressReport, user, file: UploadedFile) -> Attachment:
    """Attach `file` to a draft or returned report of the user's unit, if its content is an accepted kind."""
    # Locked first: a submit racing this upload either sees the file in its snapshot or makes this upload fail.
    report = _require_editable(report, user)
    try:
        kind = inspect_upload(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    if report.attachments.count() >= MAX_ATTACHMENTS_PER_REPORT:
        raise ValidationError(
            {"file": _("A report may have at most %(limit)d attachments.") % {"limit": MAX_ATTACHMENTS_PER_REPORT}}
        )
    _check_quota(report, size=file.size)
    attachment = Attachment(
        report=report,
        original_name=safe_name(file.name),
        content_type=kind.mime,
        size=file.size,
        sha256=upload_sha256(file),
        uploaded_by=user,
    )
    attachment.file.save(attachment.original_name, file, save=False)
    stored = attachment.file.name
    # Storage is not transactional: if the row is not written, the file must not stay behind.
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    return attachment


def _stored_bytes(**filters) -> int:
    return Attachment.objects.filter(**filters).aggregate(total=Sum("size"))["total"] or 0


def _check_quota(report: ProgressReport, *, size: int) -> None:
    """Refuse a file that would take its report or its unit over the storage allowed (settings)."""
    per_report = settings.ATTACHMENT_MAX_BYTES_PER_REPORT
    if _stored_bytes(report_id=report.pk) + size > per_report:
        raise ValidationError(
            {
                "file": _("A report's attachments may take at most %(limit)s in all.")
                % {"limit": filesizeformat(per_report)}
            }
        )
    # Two uploads to different reports of one unit could both pass a sum read at once: the unit's row lock orders
    # them (held to the end of this transaction, so the second sees the first's row).
    Unit.objects.select_for_update().filter(pk=report.unit_id).first()
    per_unit = settings.ATTACHMENT_MAX_BYTES_PER_UNIT
    if _stored_bytes(report__unit_id=report.unit_id) + size > per_unit:
        raise ValidationError(
            {
                "file": _("Your unit's attachments may take at most %(limit)s in all; remove old drafts' files first.")
                % {"limit": filesizeformat(per_unit)}
            }
        )


@transaction.atomic
def attachment_delete(*, attachment: Attachment, user) -> None:
    """Remove an attachment of a draft or returned report; the file goes once the deletion is committed."""
    _require_editable(attachment.report, user)
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


@dataclass
class OrphanSweep:
    """What an orphan sweep found: files without an attachment row, and those it removed."""

    found: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


# The folders of stored evidence, each with the model whose `file` names its files. tracker's own here; the apps on
# top (cities, contributions) add theirs from their AppConfig.ready(), since tracker imports none of them.
EVIDENCE_FOLDERS: dict[str, str] = {"tracker/reports": "tracker.attachment"}


def evidence_folder_register(directory: str, model_label: str) -> None:
    """Let the orphan purge sweep `directory` (under MEDIA_ROOT) against the `file` rows of `model_label`."""
    EVIDENCE_FOLDERS[directory] = model_label


def _stored_files(storage, directory: str):
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for sub in directories:
        yield from _stored_files(storage, f"{directory}/{sub}")


def attachment_orphans_purge(*, older_than: datetime.timedelta | None = None, dry_run: bool = False) -> OrphanSweep:
    """Remove stored evidence files that no row names, in every folder of EVIDENCE_FOLDERS (report attachments,
    and the cities' and co-units' evidence).

    They come from uploads whose transaction rolled back after the file was written (the request failed later, the
    process died, the database went away): storage is not transactional. Files younger than `older_than` (default
    settings.ATTACHMENT_ORPHAN_GRACE) are left alone, because an upload in flight has written its file and not yet
    committed its row. Safe to run twice at once: deleting a missing file is a no-op.
    """
    grace = older_than if older_than is not None else settings.ATTACHMENT_ORPHAN_GRACE
    storage = default_storage
    cutoff = timezone.now() - grace
    sweep = OrphanSweep()
    for directory, label in EVIDENCE_FOLDERS.items():
        rows = apps.get_model(label).objects
        known = set(rows.values_list("file", flat=True))
        for name in _stored_files(storage, directory):
            if name in known or storage.get_modified_time(name) > cutoff:
                continue
            # Asked again for this file alone: its row may have committed since `known` was read. A file older than
            # the grace cannot belong to an upload still in flight, so no row now means it never committed.
            if rows.filter(file=name).exists():
                continue
            sweep.found.append(name)
            if not dry_run:
                storage.delete(name)
                sweep.removed.append(name)
    return sweep
