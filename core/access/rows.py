"""Which rows: one rule per (model, action), and restrict()/scope() that apply them (part 3 of core.access)."""

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP

from .roles import (
    is_consumer,
    is_office,
    unit_ids_of,
)

# 3. Which rows ------------------------------------------------------------------------------------------------------
# A rule takes the user and answers True (every row), False (none) or a Q of the rows. Actions:
#   "view"    the rows listed and opened for the user: the admin, the reports API, the choices of a form.
#   "browse"  the published division of work as the read API serves it (cities, units, batches, reforms, periods):
#             public within the service, so every signed-in user browses all of it. It is wider than "view" in
#             the admin, where unit staff work on their own units' reforms only.
#   "file"    the units whose reports the user files (their own; the office files none).
#   "change"  the reports the user may edit: their own units' drafts and returned reports.
# A (model, action) without a rule is refused (a programming error: every scoped queryset names its rule).

# The values of tracker.choices.ReportState that these rules need; core may not import tracker
# (core/tests/test_access.py checks they match).
APPROVED = "approved"
EDITABLE_STATES = ("draft", "returned")

Rule = Callable[[object], "bool | Q"]


def _signed_in(user) -> bool:
    return user.is_authenticated


def _units_view(user) -> bool | Q:
    # The office keeps every unit; unit staff see their own (a consumer is no unit's member: none).
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    return Q(memberships__user=user)


def _units_file(user) -> bool | Q:
    return Q(pk__in=[] if is_office(user) else unit_ids_of(user))


def _memberships_view(user) -> bool | Q:
    return _through("unit", "units.unit", user)


def _reforms_view(user) -> bool | Q:
    # The office and consumers see every reform; unit staff those their units are responsible for (lead or co).
    if is_office(user) or is_consumer(user):
        return True
    return Q(responsibilities__unit_id__in=unit_ids_of(user))


def _reform_rows_view(user) -> bool | Q:
    # A reform's responsibilities and rollout targets: seen with their reform.
    return _through("reform", "reforms.reform", user)


def _periods_view(user) -> bool | Q:
    # The office keeps the periods; everyone else sees those of the batches of the reforms they see.
    if is_office(user):
        return True
    return Q(batch__in=restrict(apps.get_model("reforms.reform").objects.all(), user).values("batch"))


def _reports_view(user) -> bool | Q:
    # The office sees all; unit staff their units' reports in every state (never another unit's drafts); a consumer
    # approved reports only. The order of the checks is the order of the queries the query-count tests pin.
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    scope = Q(unit_id__in=unit_ids_of(user))
    if is_consumer(user):
        scope |= Q(state=APPROVED)
    return scope


def _reports_change(user) -> bool | Q:
    # Only the unit's own members change a report, and only while it is a draft or returned (the office too is
    # refused: it reviews). Submitted and approved reports are frozen (a database trigger enforces it too).
    return Q(unit_id__in=unit_ids_of(user), state__in=EDITABLE_STATES)


RULES: dict[tuple[str, str], Rule] = {
    # The division of work: public within the service.
    **{
        (label, "browse"): _signed_in
        for label in ("units.city", "units.unit", "reforms.batch", "reforms.reform", "tracker.reportingperiod")
    },
    ("units.city", "view"): _signed_in,
    ("reforms.batch", "view"): _signed_in,  # a batch is a published table: its counts are the whole table's
    ("units.unit", "view"): _units_view,
    ("units.unit", "file"): _units_file,
    ("units.membership", "view"): _memberships_view,
    ("reforms.reform", "view"): _reforms_view,
    ("reforms.responsibility", "view"): _reform_rows_view,
    ("reforms.rollouttarget", "view"): _reform_rows_view,
    ("tracker.reportingperiod", "view"): _periods_view,
    ("tracker.progressreport", "view"): _reports_view,
    ("tracker.progressreport", "change"): _reports_change,
}


def _rule(label: str, action: str) -> Rule:
    try:
        return RULES[(label, action)]
    except KeyError:
        raise LookupError(f"core.access has no rule for {action!r} on {label!r}") from None


def _through(field: str, label: str, user) -> bool | Q:
    """The rows whose `field` points at a row of `label` the user views: a subquery, so no join multiplies rows."""
    allowed = _rule(label, "view")(user)
    if isinstance(allowed, bool):
        return allowed
    return Q(**{f"{field}__in": _filtered(apps.get_model(label).objects.all(), allowed).values("pk")})


def _crosses_to_many(model, q: Q) -> bool:
    """True when a lookup of `q` follows a one-to-many or many-to-many relation (its join may repeat rows)."""
    for child in q.children:
        if isinstance(child, Q):
            if _crosses_to_many(model, child):
                return True
            continue
        opts = model._meta
        for part in child[0].split(LOOKUP_SEP):
            try:
                field = opts.get_field(part)
            except FieldDoesNotExist:
                break  # a lookup such as "in"
            if field.one_to_many or field.many_to_many:
                return True
            if not field.is_relation:
                break
            opts = field.related_model._meta
    return False


def _filtered(queryset, allowed: bool | Q):
    if allowed is True:
        return queryset
    if allowed is False:
        return queryset.none()
    queryset = queryset.filter(allowed)
    return queryset.distinct() if _crosses_to_many(queryset.model, allowed) else queryset


def restrict(queryset, user, action: str = "view"):
    """The rows of `queryset` that `user` may `action`. Querysets call it as `.restrict(user, action)`."""
    return _filtered(queryset, _rule(queryset.model._meta.label_lower, action)(user))


def scope(user, label: str, action: str = "view", *, prefix: str = "") -> Q:
    """The same rule as a Q, its lookups under `prefix` ("reports__"), for the filter of an annotation: a count of
    the related rows the user may see. Q() for every row."""
    allowed = _rule(label, action)(user)
    if allowed is True:
        return Q()
    if allowed is False:
        return Q(**{f"{prefix}pk__in": []})
    return _prefixed(allowed, prefix)


def _prefixed(q: Q, prefix: str) -> Q:
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1]) for child in q.children
    ]
    return clone


class RestrictedQuerySet(models.QuerySet):
    """The base of every scoped model's QuerySet: `Model.objects.restrict(user, action="view")` (as in NetBox)."""

    def restrict(self, user, action: str = "view"):
        return restrict(self, user, action)
