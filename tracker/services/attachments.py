"""Evidence files: checked by content before anything is stored, written under MEDIA_ROOT with a random name."""

import hashlib
import unicodedata
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..exceptions import ReportStateConflict
from ..models import Attachment, ProgressReport
from ..uploads import inspect_upload
from .reports import _lock, _require_member

MAX_ATTACHMENTS_PER_REPORT = 30


def _safe_name(name: str) -> str:
    # Only ever shown and sent back in Content-Disposition; still, no paths and no control characters.
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 254 - len(ext)] + dot + ext) if dot else base[:255]
    return base or "attachment"


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _require_editable(report: ProgressReport, user) -> ProgressReport:
    _require_member(report, user)
    report = _lock(report)
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
    attachment = Attachment(
        report=report,
        original_name=_safe_name(file.name),
        content_type=kind.mime,
        size=file.size,
        sha256=_sha256(file),
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


@transaction.atomic
def attachment_delete(*, attachment: Attachment, user) -> None:
    """Remove an attachment of a draft or returned report; the file goes once the deletion is committed."""
    _require_editable(attachment.report, user)
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
