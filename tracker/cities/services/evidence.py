"""Evidence files of city submissions and applications: the same content checks as report attachments
(tracker.uploads.inspect_upload, with its PDF checks), a random stored name, at most MAX_EVIDENCE files each."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

# The same name cleaning and digest as report attachments (shared once the lead moves them to core).
from tracker.services.attachments import safe_name, upload_sha256
from tracker.uploads import inspect_upload

from ..models import CityApplication, CityEvidence, CitySubmission

MAX_EVIDENCE = 30


def evidence_store(
    *, file: UploadedFile, user, submission: CitySubmission | None = None, application: CityApplication | None = None
) -> CityEvidence:
    """Check `file` by content and store it for its owner. The caller holds the owner's lock and checked who may."""
    try:
        kind = inspect_upload(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    owner = submission if submission is not None else application
    if owner.evidence.count() >= MAX_EVIDENCE:
        raise ValidationError({"file": _("At most %(limit)d evidence files are allowed.") % {"limit": MAX_EVIDENCE}})
    evidence = CityEvidence(
        submission=submission,
        application=application,
        original_name=safe_name(file.name),
        content_type=kind.mime,
        size=file.size,
        sha256=upload_sha256(file),
        uploaded_by=user,
    )
    evidence.file.save(evidence.original_name, file, save=False)
    stored = evidence.file.name
    # Storage is not transactional: if the row is not written, the file must not stay behind.
    try:
        evidence.full_clean()
        evidence.save()
    except Exception:
        evidence.file.storage.delete(stored)
        raise
    return evidence


@transaction.atomic
def city_evidence_add(*, submission: CitySubmission, user, file: UploadedFile) -> CityEvidence:
    """Attach `file` to a draft or returned submission of the user's city."""
    from ..exceptions import StateConflict
    from .submissions import _lock, _require_city_member

    _require_city_member(submission, user)
    submission = _lock(submission)
    if not submission.is_editable:
        raise StateConflict()
    return evidence_store(file=file, user=user, submission=submission)


@transaction.atomic
def city_evidence_delete(*, evidence: CityEvidence, user) -> None:
    """Remove an evidence file of a draft or returned submission; the file goes once the deletion is committed."""
    from ..exceptions import StateConflict
    from .submissions import _lock, _require_city_member

    if evidence.submission_id is None:
        raise StateConflict(_("An application's evidence stays with the application."))
    submission = evidence.submission
    _require_city_member(submission, user)
    submission = _lock(submission)
    if not submission.is_editable:
        raise StateConflict()
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))
