"""The office's colour overrides."""

from django.db import transaction

from ..models import StatusOverride


@transaction.atomic
def status_override_save(*, override: StatusOverride, user) -> StatusOverride:
    """Validate and save an override; a new one records who set it (the model's rules in clean())."""
    if override.pk is None or override.created_by_id is None:
        override.created_by = user
    override.full_clean()
    override.save()
    return override
