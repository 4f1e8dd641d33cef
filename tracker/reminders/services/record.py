"""Recording reminders with INSERT ... SELECT ... ON CONFLICT DO NOTHING, per (rule, due date) and recipient kind.

The database joins the obligations to their recipients and inserts the rows itself: 100,000 obligations are a few
statements, not 100,000 Python objects. ON CONFLICT DO NOTHING with the partial unique constraints is what makes
two sweeps at once record each reminder once, and a later sweep of the same day record nothing again.

A row is inserted already claimed (`sending`, the sweep's claim token, `claimed_at`): whoever inserts a reminder
owns its first delivery, and a row another sweep inserted first is not this sweep's to send. Claiming with an
UPDATE is left for what is still `pending` or whose lease expired (services/sweep.py), which spares 100,000 rows a
second write.

One statement per kind of recipient and kind of subject (a unit's members with an e-mail address; a city's members;
the unit's active chat robots; for a 督办 the office's users, and for a contribution or a city submission the lead
unit's members as well), each a plain join on an indexed foreign key: whatever the planner estimates,
its worst plan is an index lookup per obligation. (One statement over a UNION of recipients let a misestimate of one
row run 100,000 obligations against the whole union in a nested loop.)

There is no "not recorded yet" filter: a NOT EXISTS on the reminders table inside the INSERT, which the planner
runs as a rescanned sequential scan on a small or freshly emptied table, reads the pages the statement itself keeps
adding and turns 100,000 rows into minutes. The conflicts a repeated occurrence meets are cheap index probes.
"""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from core.access import OFFICE_GROUP
from reforms.choices import ResponsibilityRole, TargetStatus
from reforms.models import Responsibility, RolloutTarget
from units.models import CityMembership, Membership

from ..choices import Channel, ObligationKind, ReminderState, Step
from ..models import Obligation, Reminder, UnitChannel
from ..rules import Occurrence


def _tables() -> dict[str, str]:
    user = get_user_model()
    return {
        "reminder": Reminder._meta.db_table,
        "obligation": Obligation._meta.db_table,
        "responsibility": Responsibility._meta.db_table,
        "target": RolloutTarget._meta.db_table,
        "membership": Membership._meta.db_table,
        "city_membership": CityMembership._meta.db_table,
        "user": user._meta.db_table,
        "channel": UnitChannel._meta.db_table,
        "user_groups": user.groups.through._meta.db_table,
        "group": Group._meta.db_table,
    }


INSERT_SQL = """
INSERT INTO {reminder}
    (obligation_id, cycle, step, occurs_on, manual, as_of, channel, recipient_id, webhook_id,
     state, claim, claimed_at, attempts, last_error, created_at)
SELECT o.id, o.cycle, %s, %s, %s, %s, %s, {recipient}, {webhook}, %s, %s, %s, 0, '', %s
  FROM {obligation} o
  {subject}
  {join}
 WHERE {where}
ON CONFLICT DO NOTHING
"""

# Who owes it still does: a unit still responsible for the reform in the role the kind asks for (the lead files
# the report, a co-unit a contribution), a city still targeted and not exempted.
UNIT_SUBJECT = (
    "JOIN {responsibility} rs ON rs.reform_id = o.reform_id AND rs.unit_id = o.unit_id"
    f" AND (rs.role = '{ResponsibilityRole.LEAD.value}') = (o.kind = '{ObligationKind.REPORT.value}')"
)
CITY_SUBJECT = (
    "JOIN {target} t ON t.reform_id = o.reform_id AND t.city_id = o.city_id"
    f" AND t.status <> '{TargetStatus.NOT_APPLICABLE.value}'"
)
FEEDING_ONLY = f"o.kind IN ('{ObligationKind.CONTRIBUTION.value}', '{ObligationKind.CITY_SUBMISSION.value}')"


@dataclass(frozen=True)
class Recipients:
    """One kind of recipient: its channel, recipient and robot columns, the join that finds it (may hold
    placeholders, filled by `params`), the subject joins it applies to, and an extra condition on the obligation."""

    channel: str
    recipient: str
    webhook: str
    join: str
    subjects: tuple[str, ...]
    params: tuple = ()
    only: str = ""


_ACTIVE_USER = "JOIN {user} {u} ON {u}.id = {m}.user_id AND {u}.is_active AND {u}.email <> ''"
# A unit's members (report, contribution); a city's members (city submission).
MEMBERS = Recipients(
    Channel.EMAIL,
    "m.user_id",
    "NULL",
    "JOIN {membership} m ON m.unit_id = o.unit_id " + _ACTIVE_USER.format(user="{user}", u="u", m="m"),
    (UNIT_SUBJECT,),
)
CITY_MEMBERS = Recipients(
    Channel.EMAIL,
    "cm.user_id",
    "NULL",
    "JOIN {city_membership} cm ON cm.city_id = o.city_id " + _ACTIVE_USER.format(user="{user}", u="cu", m="cm"),
    (CITY_SUBJECT,),
)
ROBOTS = Recipients(
    Channel.WEBHOOK, "NULL", "c.id", "JOIN {channel} c ON c.unit_id = o.unit_id AND c.active", (UNIT_SUBJECT,)
)
# 督办 only: the office's users, and for what feeds a report (contribution, city submission) the lead unit's members,
# whose report waits for it.
OFFICE = Recipients(
    Channel.EMAIL,
    "office.user_id",
    "NULL",
    "CROSS JOIN (SELECT ug.user_id AS user_id FROM {user_groups} ug"
    " JOIN {group} g ON g.id = ug.group_id JOIN {user} ou ON ou.id = ug.user_id"
    " WHERE g.name = %s AND ou.is_active AND ou.email <> '') office",
    (UNIT_SUBJECT, CITY_SUBJECT),
    params=(OFFICE_GROUP,),
)
LEAD_COPY = Recipients(
    Channel.EMAIL,
    "lm.user_id",
    "NULL",
    f"JOIN {{responsibility}} lr ON lr.reform_id = o.reform_id AND lr.role = '{ResponsibilityRole.LEAD.value}'"
    " JOIN {membership} lm ON lm.unit_id = lr.unit_id " + _ACTIVE_USER.format(user="{user}", u="lu", m="lm"),
    (UNIT_SUBJECT, CITY_SUBJECT),
    only=FEEDING_ONLY,
)


def reminders_insert(
    *,
    where: str,
    where_params: Sequence,
    occurrence: Occurrence,
    as_of: datetime.date,
    claim: uuid.UUID,
    now: datetime.datetime,
    manual: bool = False,
) -> int:
    """Insert the reminders of `occurrence` for the obligations `where` selects (alias `o`), to every recipient,
    claimed by `claim` at `now`; return how many rows were new."""
    ops = connection.ops
    tables = _tables()
    common = [
        occurrence.step,
        ops.adapt_datefield_value(occurrence.on),
        manual,
        ops.adapt_datefield_value(as_of),
    ]
    now_value = ops.adapt_datetimefield_value(now)
    claim_value = Reminder._meta.get_field("claim").get_db_prep_value(claim, connection)
    kinds = [MEMBERS, CITY_MEMBERS, ROBOTS]
    if occurrence.step == Step.ESCALATE:
        kinds += [OFFICE, LEAD_COPY]
    inserted = 0
    with connection.cursor() as cursor:
        for kind in kinds:
            for subject in kind.subjects:
                condition = f"({where}) AND {kind.only}" if kind.only else where
                sql = INSERT_SQL.format(
                    recipient=kind.recipient,
                    webhook=kind.webhook,
                    subject=subject.format(**tables),
                    join=kind.join.format(**tables),
                    where=condition,
                    **tables,
                )
                params = [*common, kind.channel, ReminderState.SENDING, claim_value, now_value, now_value]
                params += [*kind.params, *where_params]
                cursor.execute(sql, params)
                inserted += max(cursor.rowcount, 0)
    return inserted


def due_obligations_where(*, period_ids: Sequence[int], due_on: datetime.date) -> tuple[str, list]:
    """The unmet obligations of `period_ids` due on `due_on` (the join in INSERT_SQL keeps those whose unit is still
    responsible for the reform)."""
    placeholders = ", ".join(["%s"] * len(period_ids))
    sql = f"o.period_id IN ({placeholders}) AND o.met_at IS NULL AND o.due_on = %s"
    return sql, [*period_ids, connection.ops.adapt_datefield_value(due_on)]


def obligation_ids_where(ids: Sequence[int]) -> tuple[str, list]:
    placeholders = ", ".join(["%s"] * len(ids)) or "NULL"
    return f"o.id IN ({placeholders})", list(ids)
