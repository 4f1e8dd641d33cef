"""Who sees what, and who may do what: every access rule of the service, in one package
that reads in the order of its five modules (`from core import access` gives all their names).

Read it top to bottom:

1. Who is who: the roles and the facts every rule is made of (is_office, is_consumer, unit_ids_of).
2. The model permissions each role's group holds (they open the admin pages and the API's writes). Each app
   registers its own models' here from its AppConfig.ready(); units.services.roles_sync() writes them to the groups.
3. Which rows: one rule per (model, action), used through `Model.objects.restrict(user, action)` by every view,
   admin queryset, selector and choice list. Anything outside the rows answers 404.
4. What one may do to a row that one sees: the admin's has_*_permission answers and the service guards.
5. Cities and co-units as participants (issue 12): their roles, rules, acts and guards, in the same four parts.

Each part is a module of this package (roles, permissions, rows, acts, participants); each imports only the parts
before it.

This package imports no domain app: rules name models by label ("tracker.progressreport") and fields by path, so
units, reforms and tracker can all use it (imports flow core <- units <- reforms <- tracker). The permission matrix
(tracker/tests/test_permissions_matrix.py) is its executable spec for the API; core/tests/test_access.py checks the
rules per role; docs/architecture.md has the table.

A user may hold several roles (a consumer's account can also be a unit's member): every scope is the union of what
each role the user holds sees.
"""

from .acts import (  # noqa: F401
    NEVER_BY_HAND,
    by_hand,
    figure_unit_ids,
    holds_office_or_api_role,
    may_change_report,
    may_import_staff,
    may_read_audit,
    may_review,
    may_run_reminders,
    participation_figure_ids,
    require_office,
    require_unit_member,
)
from .participants import (  # noqa: F401
    CITY_DRAFT,
    CONTRIBUTION_SUBMITTED,
    OPEN_TO_CITIES,
    _city_applications_opinion,
    _city_applications_view,
    _city_evidence_view,
    _city_reforms_view,
    _city_submissions_change,
    _city_submissions_review,
    _city_submissions_view,
    _contributions_change,
    _contributions_view,
    _led,
    _my_city_ids,
    _reform_ids,
    _reforms_contribute,
    _targets_view,
    is_lead_member,
    leads_reforms,
    may_review_city_work,
    require_city_member,
    require_lead_member,
)
from .permissions import (  # noqa: F401
    CRUD,
    GROUP_PERMISSIONS,
    model_permissions,
    register_group_permissions,
)
from .roles import (  # noqa: F401
    CITY_STAFF_GROUP,
    CO,
    CONSUMER_GROUP,
    GROUP_DESCRIPTIONS,
    LEAD,
    OFFICE_GROUP,
    UNIT_STAFF_GROUP,
    city_ids_of,
    files_reports,
    is_city_member,
    is_consumer,
    is_office,
    is_unit_member,
    keep_roles,
    load_roles,
    role_annotations,
    roles_in_one_query,
    unit_ids_of,
)
from .rows import (  # noqa: F401
    APPROVED,
    EDITABLE_STATES,
    RULES,
    RestrictedQuerySet,
    Rule,
    _crosses_to_many,
    _filtered,
    _memberships_view,
    _periods_view,
    _prefixed,
    _reform_rows_view,
    _reforms_view,
    _reports_change,
    _reports_view,
    _rule,
    _signed_in,
    _through,
    _units_file,
    _units_view,
    restrict,
    scope,
)
