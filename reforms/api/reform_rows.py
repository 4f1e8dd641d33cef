"""The reforms list's rows as plain dicts: the same JSON as ReformSerializer, without its per-row field machinery.

ReformSerializer stays the list's declaration (the OpenAPI schema) and the detail's base; the list reads
`.values_list()` tuples and builds each row with one dict literal (issue 11: DRF's fields were most of the page's
27-37 ms of web CPU). reforms/tests/test_api_reform_rows.py holds both outputs equal.
"""

from rest_framework.reverse import reverse

from core.formats import date_text
from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.models import Responsibility
from units.api.fields import LabelMap

REFORM_COLUMNS = (
    "id",
    "code",
    "batch_id",
    "batch__code",
    "batch__title",
    "batch__default_deadline",
    "category",
    "number",
    "position",
    "title",
    "content",
    "scope",
    "needs_verification",
    "verification_note",
    "deadline",
    # Annotated by ReformViewSet.get_queryset() (ReformQuerySet.with_counts() and the targets in progress).
    "target_count",
    "done_count",
    "applicable_count",
    "in_progress_count",
)

CATEGORY_LABELS = LabelMap(Category.choices)
SCOPE_LABELS = LabelMap(Scope.choices)
ROLE_LABELS = LabelMap(ResponsibilityRole.choices)
PK = "__pk__"  # in the URL pattern's place of the id: one reverse() for the page, not one per row


def reform_rows_queryset(reforms):
    """The filtered, ordered reforms as tuples of REFORM_COLUMNS (their batch joined): one query."""
    return reforms.values_list(*REFORM_COLUMNS)


def reform_rows(page, *, request, format=None) -> list[dict]:
    """A page of REFORM_COLUMNS tuples as ReformSerializer renders them, with their responsible units (one query)."""
    units = _responsible_units({row[0] for row in page})
    categories, scopes = CATEGORY_LABELS.current(), SCOPE_LABELS.current()
    # The URL as HyperlinkedIdentityField builds it (absolute, with the request's format suffix if any).
    url_head, url_tail = reverse("reforms-api:reform-detail", kwargs={"pk": PK}, request=request, format=format).split(
        PK
    )
    return [
        {
            "id": pk,
            "url": f"{url_head}{pk}{url_tail}",
            "code": code,
            "batch": {"id": batch_id, "code": batch_code, "title": batch_title},
            "category": category,
            "category_display": categories.get(category, category),
            "number": number,
            "position": position,
            "title": title,
            "content": content,
            "scope": scope,
            "scope_display": scopes.get(scope, scope),
            "needs_verification": needs_verification,
            "verification_note": verification_note,
            "deadline": date_text(deadline),
            "effective_deadline": date_text(deadline or default_deadline),
            "responsible_units": units.get(pk, []),
            "target_count": target_count,
            "done_count": done_count,
            # As reforms.api.serializers.target_status_counts(), every TargetStatus in its order.
            "target_status_counts": {
                TargetStatus.NOT_STARTED.value: applicable_count - done_count - in_progress_count,
                TargetStatus.IN_PROGRESS.value: in_progress_count,
                TargetStatus.DONE.value: done_count,
                TargetStatus.NOT_APPLICABLE.value: target_count - applicable_count,
            },
        }
        for (
            pk,
            code,
            batch_id,
            batch_code,
            batch_title,
            default_deadline,
            category,
            number,
            position,
            title,
            content,
            scope,
            needs_verification,
            verification_note,
            deadline,
            target_count,
            done_count,
            applicable_count,
            in_progress_count,
        ) in page
    ]


def _responsible_units(reform_ids) -> dict[int, list[dict]]:
    """The reforms' responsible units as ResponsibleUnitSerializer renders them, in table order (position, id), in
    one query joined with their unit."""
    roles = ROLE_LABELS.current()
    by_reform: dict[int, list[dict]] = {}
    rows = (
        Responsibility.objects.filter(reform_id__in=reform_ids)
        .order_by("reform_id", "position", "id")
        .values_list("reform_id", "unit_id", "unit__name", "unit__short_en", "role")
    )
    for reform_id, unit_id, name, short_en, role in rows:
        by_reform.setdefault(reform_id, []).append(
            {"id": unit_id, "name": name, "short_en": short_en, "role": role, "role_display": roles.get(role, role)}
        )
    return by_reform
