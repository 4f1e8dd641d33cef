"""The sweep: record what is due today, claim it, hand it to delivery.

Safe to run twice at once (two beats, a retried task, an operator's command next to the beat):
- recording inserts under the partial unique constraints with ON CONFLICT DO NOTHING, so a reminder exists once,
  and inserts it claimed by the inserting sweep's token (services/record.py);
- claiming what is left is one conditional UPDATE (on PostgreSQL over `FOR UPDATE SKIP LOCKED` rows) that moves
  rows from `pending` (or an expired lease) to `sending` under the sweep's token, so each row belongs to one sweep;
- delivery tasks get the token and send only rows still holding it.
"""

import datetime
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import may_run_reminders
from core.enqueue import enqueue_on_commit
from tracker.models import ReportingPeriod

from .. import conf
from ..calendar import WorkingCalendar
from ..choices import ReminderState, Step
from ..models import Obligation, Reminder, ReminderSettings, ReportingRule
from ..rules import Occurrence, latest_occurrence, lead_horizon
from .fulfilment import obligation_met
from .obligations import ObligationsRefreshResult, obligations_refresh
from .record import due_obligations_where, obligation_ids_where, reminders_insert


@dataclass(frozen=True)
class Delivery:
    """One digest to deliver: the rows of `claim` addressed to one recipient (e-mail) or one chat robot."""

    claim: str
    channel: str
    target_id: int


@dataclass
class SweepResult:
    today: datetime.date
    working_day: bool = True
    skipped: bool = False
    refresh: ObligationsRefreshResult = field(default_factory=ObligationsRefreshResult)
    reminders_recorded: int = 0
    reminders_claimed: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


HOLIDAY_SLACK_DAYS = 21


@transaction.atomic
def reminders_record(
    *, today: datetime.date, claim: uuid.UUID, now: datetime.datetime, cal: WorkingCalendar | None = None
) -> int:
    """Record the reminders due today, claimed by `claim`: for every unmet obligation, its rule's latest occurrence
    on or before today.

    The occurrence depends on the rule and the due date only, so the statements are per (rule, due date), whatever
    the number of obligations. Returns the number of rows inserted (rows a concurrent or earlier sweep inserted are
    left to it).
    """
    # Sending on days off: reminders keep their days; otherwise those before a deadline move to a working day.
    cal = None if ReminderSettings.current().send_on_days_off else (cal or WorkingCalendar())
    inserted = 0
    for rule in ReportingRule.objects.filter(active=True):
        # Slack for reminders moved before a holiday (the Spring Festival runs up to 9 days off in a row):
        # latest_occurrence() decides, the horizon only keeps far-off obligations out of the loop.
        horizon = today + datetime.timedelta(days=lead_horizon(rule) + HOLIDAY_SLACK_DAYS)
        periods = list(ReportingPeriod.objects.filter(batch_id=rule.batch_id).values_list("pk", flat=True))
        due = Obligation.objects.unmet().filter(period_id__in=periods, due_on__lte=horizon)
        for due_on in due.order_by().values_list("due_on", flat=True).distinct():
            occurrence = latest_occurrence(rule, due_on, today, cal=cal)
            if occurrence is None:
                continue
            where, params = due_obligations_where(period_ids=periods, due_on=due_on)
            inserted += reminders_insert(
                where=where, where_params=params, occurrence=occurrence, as_of=today, claim=claim, now=now
            )
    return inserted


@dataclass
class ClaimResult:
    deliveries: list[Delivery] = field(default_factory=list)
    count: int = 0
    # Deliveries the broker refused after commit (it was down); their rows stay claimed until the lease expires.
    not_queued: int = 0


CLAIM_SQL = """
UPDATE reminders_reminder AS r
   SET state = 'sending', claim = %(claim)s, claimed_at = %(now)s
  FROM (SELECT id FROM reminders_reminder
         WHERE state IN ('pending', 'sending')
           AND (state = 'pending' OR claimed_at < %(expired)s)
           {only}
           FOR UPDATE SKIP LOCKED) AS c
 WHERE r.id = c.id
"""


def reminders_claim(
    *,
    claim: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
    obligation_ids: Iterable[int] | None = None,
    enqueue: bool = True,
) -> ClaimResult:
    """Claim every pending reminder, and every one whose lease expired, for `claim` (default: a new token); return
    (and after commit enqueue) one delivery per recipient or chat robot of every row the token holds, including
    those the sweep's recording inserted under it.

    A row another sweep is claiming right now is skipped (SKIP LOCKED) rather than waited for; a row it claimed is
    `sending` with a fresh `claimed_at` and no longer matches. An expired lease is how a reminder whose worker died
    (or whose task the broker lost) gets sent after all.
    """
    now = now or timezone.now()
    token = claim or uuid.uuid4()
    ids = list(obligation_ids) if obligation_ids is not None else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            only = "AND obligation_id = ANY(%(ids)s)" if ids is not None else ""
            with connection.cursor() as cursor:
                cursor.execute(
                    CLAIM_SQL.format(only=only),
                    {"claim": token, "now": now, "expired": now - conf.lease(), "ids": ids},
                )
        else:
            # SQLite has one writer at a time: the conditional UPDATE alone makes the claim exclusive.
            claimable = Q(state=ReminderState.PENDING) | Q(
                state=ReminderState.SENDING, claimed_at__lt=now - conf.lease()
            )
            rows = Reminder.objects.filter(claimable)
            if ids is not None:
                rows = rows.filter(obligation_id__in=ids)
            rows.update(state=ReminderState.SENDING, claim=token, claimed_at=now)
        targets = (
            Reminder.objects.filter(claim=token, state=ReminderState.SENDING)
            .order_by()
            .values("channel", "recipient_id", "webhook_id")
            .annotate(rows=Count("pk"))
        )
        deliveries, count = [], 0
        for target in targets:
            deliveries.append(Delivery(str(token), target["channel"], target["recipient_id"] or target["webhook_id"]))
            count += target["rows"]
        deliveries.sort(key=lambda d: (d.channel, d.target_id))
        result = ClaimResult(deliveries=deliveries, count=count)
        if enqueue:
            _enqueue(result)
    return result


def _enqueue(result: ClaimResult) -> None:
    from ..tasks import reminders_deliver_task

    def not_queued() -> None:
        result.not_queued += 1

    for d in result.deliveries:
        # A failed publish (broker down) is logged and counted, and does not stop the others: its rows stay claimed
        # (`sending`), and the first sweep after the lease expired claims them again and sends them.
        enqueue_on_commit(reminders_deliver_task, d.claim, d.channel, d.target_id, on_failure=not_queued)


def reminders_sweep(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None, enqueue: bool = True
) -> SweepResult:
    """Derive obligations, record today's reminders, claim them and enqueue their delivery.

    On a day off (weekend, holiday, per the calendar with the office's overrides) nothing happens unless the
    office's settings allow sending on days off; what fell due is sent on the next working day.
    """
    today = today or timezone.localdate()
    cal = WorkingCalendar()
    result = SweepResult(today=today, working_day=cal.is_working_day(today))
    if not result.working_day and not ReminderSettings.current().send_on_days_off:
        result.skipped = True
        return result
    started = time.perf_counter()
    result.refresh = obligations_refresh(today=today, cal=cal)
    mark = time.perf_counter()
    result.seconds["refresh"] = mark - started
    now = now or timezone.now()
    token = uuid.uuid4()
    result.reminders_recorded = reminders_record(today=today, claim=token, now=now, cal=cal)
    result.seconds["record"] = time.perf_counter() - mark
    mark = time.perf_counter()
    claimed = reminders_claim(claim=token, now=now, enqueue=enqueue)
    result.deliveries, result.reminders_claimed = claimed.deliveries, claimed.count
    result.seconds["claim"] = time.perf_counter() - mark
    return result


@dataclass
class RemindNowResult:
    reminded: int = 0
    already_reminded: int = 0  # urged earlier today: not again
    already_met: int = 0
    without_recipients: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    claim: ClaimResult | None = None  # its not_queued is known once the transaction committed

    @property
    def not_queued(self) -> int:
        return self.claim.not_queued if self.claim else 0


@transaction.atomic
def reminders_remind_now(*, obligations: Iterable[Obligation], user) -> RemindNowResult:
    """The office's 催办: an urge to the units of `obligations` now, whatever the schedule and the calendar say.

    At most one per obligation and day (the unique constraints again), so a double click sends once. Obligations
    whose report is in are skipped.
    """
    if not may_run_reminders(user):
        raise PermissionDenied(_("Only the provincial office sends reminders."))
    today = timezone.localdate()
    result = RemindNowResult()
    chosen = Obligation.objects.filter(pk__in=[o.pk for o in obligations]).annotate(is_met=obligation_met())
    open_ids = []
    for pk, is_met in chosen.order_by("pk").values_list("pk", "is_met"):
        if is_met:
            result.already_met += 1
        else:
            open_ids.append(pk)
    if not open_ids:
        return result
    where, params = obligation_ids_where(open_ids)
    token, now = uuid.uuid4(), timezone.now()
    occurrence = Occurrence(today, Step.URGE)
    reminders_insert(
        where=where, where_params=params, occurrence=occurrence, as_of=today, claim=token, now=now, manual=True
    )
    urges = Reminder.objects.filter(obligation_id__in=open_ids, manual=True, occurs_on=today, step=Step.URGE)
    reached = set(urges.order_by().values_list("obligation_id", flat=True).distinct())
    if reached:
        result.claim = reminders_claim(claim=token, now=now, obligation_ids=sorted(reached))
        result.deliveries = result.claim.deliveries
    mine = set(urges.filter(claim=token).order_by().values_list("obligation_id", flat=True).distinct())
    result.reminded = len(mine)
    result.already_reminded = len(reached - mine)
    result.without_recipients = len(open_ids) - len(reached)
    return result


class _Rollback(Exception):
    pass


@dataclass
class DryRun:
    result: SweepResult
    digests: list  # of services.digest.Digest


def reminders_dry_run(*, today: datetime.date | None = None) -> DryRun:
    """What the next sweep would send: the sweep itself, run in a transaction that is rolled back.

    Nothing is kept and nothing is enqueued (on_commit callbacks of a rolled-back transaction never run).
    """
    from .digest import digest_load

    plan: DryRun | None = None
    try:
        with transaction.atomic():
            result = reminders_sweep(today=today, enqueue=False)
            digests = [digest_load(claim=d.claim, channel=d.channel, target_id=d.target_id) for d in result.deliveries]
            plan = DryRun(result=result, digests=[d for d in digests if d is not None])
            raise _Rollback
    except _Rollback:
        pass
    assert plan is not None
    return plan
