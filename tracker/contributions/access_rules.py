"""Who sees and changes which co-unit contributions: the rules core/access.py is to fold in (issue 12).

Plain functions; the one model they read (Responsibility, for "which reforms do my units lead") becomes a
field path or model label when folded into core/access.py, which imports no domain app:
- office (省推广办, superusers): views every contribution, drafts included (it chases the late ones); changes none.
- unit staff of a co-unit: view and change their own units' contributions, in every state.
- unit staff of the lead unit: view the *submitted* contributions on the reforms their units lead, read-only;
  another unit's draft is its own business until submitted.
- read-only consumers: none. Contributions are working material inside the government; what the lead made of them
  is its report, which consumers see once approved.
- anyone else (city staff, anonymous): none.
Everything outside these scopes answers 404.
"""

from django.db.models import Exists, OuterRef, Q

from core.access import is_office, unit_ids_of
from reforms.choices import ResponsibilityRole
from reforms.models import Responsibility

VIEW, CHANGE = "view", "change"
SUBMITTED = "submitted"


def contribution_scope(user, action: str = VIEW) -> Q | None:
    """The filter of the contributions `user` may do `action` on; None means all rows, Q(pk__in=[]) none."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if action == VIEW and is_office(user):
        return None
    mine = unit_ids_of(user)
    if not mine:
        return Q(pk__in=[])
    own = Q(unit_id__in=mine)
    if action != VIEW:
        return own
    return own | (Q(state=SUBMITTED) & Q(Exists(_led_by(mine))))


def _led_by(unit_ids):
    # A correlated EXISTS on the reform's lead responsibility: one index probe per row, no join multiplying rows.
    return Responsibility.objects.filter(
        reform_id=OuterRef("reform_id"), unit_id__in=unit_ids, role=ResponsibilityRole.LEAD
    )


def may_view_any(user) -> bool:
    """Whether `user` has any contribution scope at all (the admin's menu entry)."""
    return user.is_authenticated and (is_office(user) or bool(unit_ids_of(user)))
