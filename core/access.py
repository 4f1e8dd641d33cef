"""Who sees what, and who may do what: every access rule of the service, in one module.

Read it top to bottom:

1. Who is who: the roles and the facts every rule is made of (is_office, is_consumer, unit_ids_of).
2. The model permissions each role's group holds (they open the admin pages and the API's writes). Each app
   registers its own models' here from its AppConfig.ready(); units.services.roles_sync() writes them to the groups.
3. Which rows: one rule per (model, action), used through `Model.objects.restrict(user, action)` by every view,
   admin queryset, selector and choice list. Anything outside the rows answers 404.
4. What one may do to a row that one sees: the admin's has_*_permission answers and the service guards.

This module imports no domain app: rules name models by label ("tracker.progressreport") and fields by path, so
units, reforms and tracker can all use it (imports flow core <- units <- reforms <- tracker). The permission matrix
(tracker/tests/test_permissions_matrix.py) is its executable spec for the API; core/tests/test_access.py checks the
rules per role; docs/architecture.md has the table.

A user may hold several roles (a consumer's account can also be a unit's member): every scope is the union of what
each role the user holds sees.
"""

from collections.abc import Callable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import connection, models
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

# 1. Who is who ------------------------------------------------------------------------------------------------------

# Group names are data the office sees in the admin, so they are Chinese; code refers to these constants only.
OFFICE_GROUP = "省推广办"
CONSUMER_GROUP = "数据接口只读用户"
UNIT_STAFF_GROUP = "单位填报人员"

GROUP_DESCRIPTIONS = {
    OFFICE_GROUP: _("Provincial office: sees and reviews everything."),
    CONSUMER_GROUP: _("Read-only API consumer: approved data and statistics only."),
    UNIT_STAFF_GROUP: _("Unit staff: their own unit's reforms and reports."),
}


def roles_in_one_query() -> bool:
    """The one-query form needs PostgreSQL's ARRAY(subquery); elsewhere (SQLite for scripts/run) the roles come in
    a query each and the permissions from ModelBackend as usual."""
    return connection.vendor == "postgresql"


def role_annotations(user_ref: str = "pk") -> dict:
    """The annotations load_roles() reads, for a queryset whose `user_ref` is the user's id ("pk" on the user
    model, "user_id" on an API token): the group names, the membership units and the permissions."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import F, OuterRef, Value
    from django.db.models.functions import Concat

    user = OuterRef(user_ref)
    permission = apps.get_model("auth.permission").objects.order_by()
    label = Concat(F("content_type__app_label"), Value("."), F("codename"), output_field=models.TextField())
    return {
        "role_groups": ArraySubquery(apps.get_model("auth.group").objects.filter(user=user).order_by().values("name")),
        "role_units": ArraySubquery(apps.get_model("units.membership").objects.filter(user=user).values("unit_id")),
        "role_user_perms": ArraySubquery(permission.filter(user=user).annotate(label=label).values("label")),
        "role_group_perms": ArraySubquery(permission.filter(group__user=user).annotate(label=label).values("label")),
        # Whether one of the user's units leads an item (leads_reforms(): the admin asks it on every page).
        "role_leads": models.Exists(
            apps.get_model("reforms.responsibility").objects.filter(role=LEAD, unit__memberships__user=user)
        ),
    }


def keep_roles(user, row) -> None:
    """Cache on `user` the roles read with role_annotations() (`row`: an object or a dict with them)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    user._group_names = frozenset(get("role_groups"))
    user._unit_ids = list(get("role_units"))
    user._leads_reforms = bool(get("role_leads"))
    # Superusers need no permissions: User.has_perm() answers True for an active superuser before any backend.
    if user.is_active and not user.is_superuser and not hasattr(user, "_perm_cache"):
        user._user_perm_cache = set(get("role_user_perms"))
        user._group_perm_cache = set(get("role_group_perms"))
        user._perm_cache = user._user_perm_cache | user._group_perm_cache


def load_roles(user) -> None:
    """Read everything the role checks of a request need in ONE query, cached on the user object: the user's group
    names, the units of its memberships and, for ModelBackend, its permissions (its own and its groups'), which
    DRF's DjangoModelPermissions and the admin ask for. Issue 11: these were five queries on every write. An API
    token's look-up reads them with the token (core.authentication.TokenAuthentication): no query at all then.

    The permissions are put where django.contrib.auth.backends.ModelBackend keeps them (`_user_perm_cache`,
    `_group_perm_cache`, `_perm_cache`) in exactly the form it would compute, so has_perm() answers the same.
    """
    if hasattr(user, "_group_names") and hasattr(user, "_unit_ids"):
        return  # (a test drops _unit_ids to stand for the next request)
    if not roles_in_one_query():
        user._group_names = frozenset(user.groups.values_list("name", flat=True))
        user._unit_ids = list(user.memberships.values_list("unit_id", flat=True))
        return
    annotations = role_annotations()
    keep_roles(
        user, get_user_model()._default_manager.filter(pk=user.pk).annotate(**annotations).values(*annotations).get()
    )


def is_office(user) -> bool:
    """The provincial office (group 省推广办), and superusers, who administer the service."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    load_roles(user)  # cached on the user object: permission checks run several times per request
    return OFFICE_GROUP in user._group_names


def is_consumer(user) -> bool:
    """A read-only API consumer (group 数据接口只读用户): reference data, approved reports and statistics."""
    if not user.is_authenticated:
        return False
    load_roles(user)
    return CONSUMER_GROUP in user._group_names


def unit_ids_of(user) -> list[int]:
    """Ids of the units `user` is a member of (units.Membership): unit staff work on these. Cached for the request."""
    if not user.is_authenticated:
        return []
    load_roles(user)
    return user._unit_ids


def is_unit_member(user, unit_id: int) -> bool:
    return unit_id in unit_ids_of(user)


def files_reports(user) -> bool:
    """Unit staff file their units' reports; the office reviews them and files none (even if it is in a unit).

    is_office() goes first: the admin's navigation asks this on every page and most pages have asked is_office()
    already (it is cached on the user), so an office page costs no query for the user's memberships.
    """
    return not is_office(user) and bool(unit_ids_of(user))


# 2. Model permissions per role ----------------------------------------------------------------------------------------
# Model permissions open the admin pages and the API's writes; the rows come from section 3 on top of them. Each app
# adds its own models' from its AppConfig.ready() (which runs before migrate's post_migrate signal, where
# units.services.roles_sync() gives each group exactly these), so core and units name no model of a higher app.

CRUD = ("add", "change", "delete", "view")

GROUP_PERMISSIONS: dict[str, list[str]] = {OFFICE_GROUP: [], UNIT_STAFF_GROUP: [], CONSUMER_GROUP: []}


def register_group_permissions(group_name: str, permissions) -> None:
    """Give the role `group_name` these permissions ("app_label.codename"), once each."""
    granted = GROUP_PERMISSIONS.setdefault(group_name, [])
    for perm in permissions:
        if perm not in granted:
            granted.append(perm)


def model_permissions(app_label: str, models_: list[str], actions=CRUD) -> list[str]:
    """["<app>.<action>_<model>", ...] for every model and action given."""
    return [f"{app_label}.{action}_{model}" for model in models_ for action in actions]


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


# 4. What one may do to a row one sees -------------------------------------------------------------------------------


def may_change_report(user, report) -> bool:
    """The row form of the "change" rule above: the unit's own members, while the report is a draft or returned."""
    return report.state in EDITABLE_STATES and is_unit_member(user, report.unit_id)


def may_review(user) -> bool:
    """The office approves and returns submitted reports."""
    return is_office(user)


def may_import_staff(user) -> bool:
    """The office (and administrators) import staff: the import creates accounts and memberships in any unit."""
    return is_office(user) and user.has_perms(["auth.add_user", "auth.change_user", "units.add_membership"])


def may_read_audit(user) -> bool:
    """The audit trail is the office's."""
    return is_office(user)


def may_run_reminders(user) -> bool:
    """The office sends reminders (催办, retries) and looks at the dry run of the next sweep."""
    return is_office(user)


def holds_office_or_api_role(user) -> bool:
    """An administrator, the office or a consumer: an account the staff import must not turn into unit staff."""
    return user.is_superuser or is_office(user) or is_consumer(user)


def figure_unit_ids(user) -> tuple[int, ...] | None:
    """The units whose figures (statistics, dashboard, ledger) `user` sees: None for every unit (the office and
    consumers), else the user's own. Anyone else signed in has no figures: PermissionDenied (a 403)."""
    if is_office(user) or is_consumer(user):
        return None
    own = tuple(unit_ids_of(user))
    if not own:
        raise PermissionDenied(_("You have no unit whose figures you could see."))
    return own


def participation_figure_ids(user, subject: str) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """(city ids, unit ids) whose participation figures (`subject` "city" or "unit") `user` sees; None: every row.

    The office and consumers see every row. City staff see their own cities' rows and no unit row. Unit staff see
    their own units' rows and, per city, the targets of the reforms their units are responsible for (as the other
    statistics narrow them). Anyone else: PermissionDenied (a 403).
    """
    if is_office(user) or is_consumer(user):
        return None, None
    cities, units = tuple(city_ids_of(user)), tuple(unit_ids_of(user))
    if subject == "city" and cities:
        return cities, None
    if units:
        return None, units
    if subject == "city":
        raise PermissionDenied(_("You have no city or unit whose figures you could see."))
    raise PermissionDenied(_("You have no unit whose figures you could see."))


# Derived or historical rows nobody adds, changes or deletes by hand in the admin (whatever the group permissions):
# they follow from other rows, and the services write them.
NEVER_BY_HAND = {
    # A report is the record of the rollout: none is deleted (the database refuses for any report ever submitted).
    ("tracker.progressreport", "delete"),
    ("tracker.reportcityline", "delete"),  # a line stays once written: report_update() upserts by city
    # History of a report.
    *(("tracker.reporttransition", a) for a in ("add", "change", "delete")),
    *(("tracker.reportrevision", a) for a in ("add", "change", "delete")),
    # Edited on the reform page, next to the reform's other units and cities, not from a unit's or city's page.
    ("reforms.responsibility", "add"),
    ("reforms.responsibility", "change"),
    ("reforms.rollouttarget", "add"),
    ("reforms.rollouttarget", "change"),
    # The audit trail (written by database triggers), the colour history and the rollup state.
    *(
        (label, a)
        for label in ("audit.auditevent", "stats.coloursnapshot", "stats.rollupstate")
        for a in ("add", "change", "delete")
    ),
    # Obligations follow from rules and reports, reminders from the sweep; one row of reminder settings.
    *((label, a) for label in ("reminders.obligation", "reminders.reminder") for a in ("add", "delete")),
    ("reminders.remindersettings", "add"),
    ("reminders.remindersettings", "delete"),
}


def by_hand(label: str, action: str) -> bool:
    """False for (model, action) pairs in NEVER_BY_HAND: the admin's has_<action>_permission answers no for all."""
    return (label, action) not in NEVER_BY_HAND


def require_office(user, message=None) -> None:
    """Service guard: only the provincial office goes on."""
    if not is_office(user):
        raise PermissionDenied(message or _("Only the provincial office may do this."))


def require_unit_member(user, unit_id: int, message=None) -> None:
    """Service guard: only members of the unit go on."""
    if not is_unit_member(user, unit_id):
        raise PermissionDenied(message or _("Only members of the report's unit may change or submit it."))


# 5. Cities and co-units as participants (issue 12) ------------------------------------------------------------------
# Two more kinds of participant, with their rules in the same four parts as above:
# - City staff (group 城市填报人员, a units.CityMembership): their own cities' rollout targets, city submissions and
#   applications, and the reforms that concern their cities (targets + the 有条件的市 / 待核实 items open to them).
# - Unit staff come in two kinds per reform (reforms.Responsibility.role): the LEAD unit files the progress report,
#   confirms or returns the cities' submissions, gives its opinion on applications and reads the submitted
#   contributions; a CO-unit files a contribution (配合材料) to the lead per period, not a report.
# The office sees everything and decides; consumers see rollout targets (public) and nothing of the cities' or
# co-units' working material.

CITY_STAFF_GROUP = "城市填报人员"
GROUP_DESCRIPTIONS[CITY_STAFF_GROUP] = _("City staff: their own city's targets, submissions and applications.")
GROUP_PERMISSIONS.setdefault(CITY_STAFF_GROUP, [])

# reforms.choices.ResponsibilityRole, reforms.choices.Scope, tracker.cities.choices.SubmissionState and
# tracker.contributions.choices.ContributionState values these rules need (core/tests/test_access.py checks them).
LEAD, CO = "lead", "co"
OPEN_TO_CITIES = ("qualified_cities", "unverified")
CITY_DRAFT = "draft"
CONTRIBUTION_SUBMITTED = "submitted"


def city_ids_of(user) -> list[int]:
    """Ids of the cities `user` is a member of (units.CityMembership). Cached for the request like unit_ids_of()."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_city_ids"):
        user._city_ids = list(user.city_memberships.values_list("city_id", flat=True))
    return user._city_ids


def is_city_member(user, city_id: int) -> bool:
    return city_id in city_ids_of(user)


def _reform_ids(user, *, role: str | None = None):
    """A subquery of the reforms the user's units are responsible for (as `role`, or either). A subquery, not a
    join: a unit both leading and assisting, or two of the user's units, would repeat rows."""
    rows = apps.get_model("reforms.responsibility").objects.filter(unit_id__in=unit_ids_of(user))
    return (rows if role is None else rows.filter(role=role)).values("reform_id")


def _my_city_ids(user):
    # A subquery on the user's city memberships rather than city_ids_of(): rules that every unit member also runs
    # (reforms, targets) then cost no query for users who are in no city.
    return apps.get_model("units.citymembership").objects.filter(user_id=user.pk).values("city_id")


def is_lead_member(user, reform_id: int) -> bool:
    """True if `user` belongs to the reform's lead unit (one query, none for a user in no unit)."""
    return bool(unit_ids_of(user)) and _reform_ids(user, role=LEAD).filter(reform_id=reform_id).exists()


def leads_reforms(user) -> bool:
    """True if one of the user's units leads at least one reform: only they file progress reports (a co-unit files
    contributions). Read with the roles (role_annotations), so it costs no query of its own on PostgreSQL."""
    if not unit_ids_of(user):  # reads the roles (with this fact) in their one query when not read yet
        return False
    if not hasattr(user, "_leads_reforms"):  # roles read without role_annotations() (SQLite)
        user._leads_reforms = _reform_ids(user, role=LEAD).exists()
    return user._leads_reforms


def _led(user, reform_path: str) -> Q:
    """Rows whose reform (the field `reform_path` holds its id) the user's units lead."""
    return Q(**{f"{reform_path}__in": _reform_ids(user, role=LEAD)})


def _city_reforms_view(user) -> bool | Q:
    # Reforms: the office/consumer/unit-staff rule above, widened for city staff to the items that concern their
    # cities: those targeting them, and every 有条件的市 / 待核实 item (they may apply for it, or watch it).
    unit_rule = _reforms_view(user)
    if unit_rule is True or not user.is_authenticated:
        return unit_rule
    targeted = apps.get_model("reforms.rollouttarget").objects.filter(city_id__in=_my_city_ids(user))
    in_a_city = models.Exists(_my_city_ids(user))
    return unit_rule | Q(pk__in=targeted.values("reform_id")) | (Q(in_a_city) & Q(scope__in=OPEN_TO_CITIES))


def _targets_view(user) -> bool | Q:
    # Public data for the office and consumers; unit staff see the targets of their units' reforms, city staff
    # their own cities' (not the other cities' targets of the same reform).
    if not user.is_authenticated:
        return False
    if is_office(user) or is_consumer(user):
        return True
    return Q(reform_id__in=_reform_ids(user)) | Q(city_id__in=_my_city_ids(user))


def _city_submissions_view(user) -> bool | Q:
    # Their city's submissions in every state; the lead unit those on the reforms it leads once submitted (a city's
    # draft is its own); the office all. Consumers none.
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    return _city_submissions_change(user) | (_led(user, "target__reform_id") & ~Q(state=CITY_DRAFT))


def _city_submissions_change(user) -> bool | Q:
    # Only the city's own staff write a submission (the services also check the state).
    return Q(target__city_id__in=city_ids_of(user))


def _city_submissions_review(user) -> bool | Q:
    # The office and the reform's lead unit confirm or return submitted submissions.
    if is_office(user):
        return True
    return _led(user, "target__reform_id") & ~Q(state=CITY_DRAFT)


def _city_applications_view(user) -> bool | Q:
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    return Q(city_id__in=city_ids_of(user)) | _led(user, "reform_id")


def _city_applications_opinion(user) -> bool | Q:
    # The lead unit gives its opinion; the office decides (and sees them all).
    if is_office(user):
        return True
    return _led(user, "reform_id")


def _city_evidence_view(user) -> bool | Q:
    # A file belongs to a submission or to an application: seen with its owner.
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    return _through("submission", "cities.citysubmission", user) | _through(
        "application", "cities.cityapplication", user
    )


def _contributions_view(user) -> bool | Q:
    # The office sees all (drafts too: it chases the late ones); a co-unit its own units' in every state; the lead
    # unit the submitted ones on the reforms it leads. Consumers and city staff none: working material.
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    mine = unit_ids_of(user)
    if not mine:
        return False
    return Q(unit_id__in=mine) | (Q(state=CONTRIBUTION_SUBMITTED) & _led(user, "reform_id"))


def _contributions_change(user) -> bool | Q:
    # Only the co-unit's members write (the office files nothing; the services check the state).
    return Q(unit_id__in=unit_ids_of(user))


def _reforms_contribute(user) -> bool | Q:
    # The reforms on which the user's units are a co-unit: where a contribution may be filed.
    return Q(pk__in=_reform_ids(user, role=CO))


RULES.update(
    {
        ("reforms.reform", "view"): _city_reforms_view,
        ("reforms.reform", "contribute"): _reforms_contribute,
        ("reforms.rollouttarget", "view"): _targets_view,
        ("reforms.rollouttarget", "file"): lambda user: Q(city_id__in=city_ids_of(user)),  # city staff file on these
        ("units.city", "file"): lambda user: Q(pk__in=city_ids_of(user)),
        ("cities.citysubmission", "view"): _city_submissions_view,
        ("cities.citysubmission", "change"): _city_submissions_change,
        ("cities.citysubmission", "review"): _city_submissions_review,
        ("cities.citysubmissionrevision", "view"): lambda user: _through("submission", "cities.citysubmission", user),
        ("cities.citysubmissiontransition", "view"): lambda user: _through("submission", "cities.citysubmission", user),
        ("cities.cityapplication", "view"): _city_applications_view,
        ("cities.cityapplication", "opinion"): _city_applications_opinion,
        ("cities.cityapplicationstep", "view"): lambda user: _through("application", "cities.cityapplication", user),
        ("cities.cityevidence", "view"): _city_evidence_view,
        ("contributions.contribution", "view"): _contributions_view,
        ("contributions.contribution", "change"): _contributions_change,
        ("contributions.contributionattachment", "view"): lambda user: _through(
            "contribution", "contributions.contribution", user
        ),
    }
)


def may_review_city_work(user, reform_id: int) -> bool:
    """The office, or the reform's lead unit, confirms/returns a city's submission."""
    return is_office(user) or is_lead_member(user, reform_id)


def require_city_member(user, city_id: int, message=None) -> None:
    """Service guard: only the city's own staff go on."""
    if not is_city_member(user, city_id):
        raise PermissionDenied(message or _("Only the city's own staff may do this."))


def require_lead_member(user, reform_id: int, message=None) -> None:
    """Service guard: only members of the reform's lead unit go on."""
    if not is_lead_member(user, reform_id):
        raise PermissionDenied(message or _("Only the lead unit of the item may do this."))
