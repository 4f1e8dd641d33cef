"""Status colours of reforms, units and cities: computed by the refresh, overridden by the office, compared with
the end of the previous month. Two queries per kind of subject: the snapshots (this month and last) and the
overrides."""

import datetime
from collections.abc import Sequence

from django.db.models import QuerySet

from ..choices import StatusColour, SubjectKind
from ..formulas import trend_of
from ..models import ColourSnapshot, StatusOverride
from .breakdowns import Row, Status


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(day: datetime.date) -> datetime.date:
    return (month_of(day) - datetime.timedelta(days=1)).replace(day=1)


def override_payload(override: StatusOverride) -> dict:
    user = override.created_by
    return {
        "colour": override.colour,
        "reason": override.reason,
        "expires_on": override.expires_on,
        "set_by": user.get_full_name() or user.get_username(),
        "set_at": override.created_at,
    }


def active_overrides(kind: str, today: datetime.date) -> dict:
    """Every active override of one kind of subject, by subject id: the office sets a handful, not thousands."""
    field = f"{kind}_id"
    overrides = StatusOverride.objects.active(today).filter(**{f"{field}__isnull": False}).select_related("created_by")
    return {getattr(o, field): o for o in overrides}


# Up to this many subjects are looked up by id; for more, every snapshot of the kind is read (cheaper than
# sending thousands of ids).
IDS_IN_QUERY = 500


def statuses(kind: str, ids: Sequence, today: datetime.date) -> dict:
    """The Status of each subject of `kind` among `ids`: two queries, whatever the number of subjects."""
    month, previous = month_of(today), previous_month(today)
    snapshots = ColourSnapshot.objects.filter(kind=kind, month__in=[month, previous])
    if len(ids) <= IDS_IN_QUERY:
        snapshots = snapshots.filter(object_id__in=list(ids))
    current: dict = {}
    before: dict = {}
    for object_id, snapshot_month, computed, colour in snapshots.values_list(
        "object_id", "month", "computed_colour", "colour"
    ):
        (current if snapshot_month == month else before)[object_id] = (computed, colour)
    overrides = active_overrides(kind, today)
    result = {}
    for pk in ids:
        computed = current.get(pk, (None, None))[0]
        override = overrides.get(pk)
        colour = override.colour if override else computed
        previous_colour = before.get(pk, (None, None))[1]
        result[pk] = Status(
            colour=colour,
            computed_colour=computed,
            override=override_payload(override) if override else None,
            previous_colour=previous_colour,
            trend=trend_of(colour, previous_colour),
        )
    return result


def attach_statuses(rows: list[Row], kind: str, today: datetime.date) -> list[Row]:
    found = statuses(kind, [row.key for row in rows], today)
    for row in rows:
        row.status = found[row.key]
    return rows


def colour_counts(reforms: QuerySet, today: datetime.date) -> dict:
    """How many of these reforms are red, yellow and green now (with overrides); two queries, subqueries inside."""
    ids = reforms.values("id")
    computed = dict(
        ColourSnapshot.objects.filter(kind=SubjectKind.REFORM, month=month_of(today), object_id__in=ids).values_list(
            "object_id", "computed_colour"
        )
    )
    computed.update(StatusOverride.objects.active(today).filter(reform_id__in=ids).values_list("reform_id", "colour"))
    counts = dict.fromkeys(StatusColour.values, 0)
    for colour in computed.values():
        counts[colour] += 1
    return counts
