"""The quickstart's demo of issue 12: a city (青岛) and a co-unit (山东金融监管局) with work in every state.

- 青岛's submissions for the current period: a draft, one submitted (waiting for the lead unit), one confirmed by the
  lead unit (its status is prefilled into the lead's report for that period), one returned with the lead's comment.
- 青岛's applications for 有条件的市 items: one waiting, one with the lead unit's opinion, one approved by the office
  (青岛 becomes a target of the item), one rejected with the office's reason.
- The co-unit's contributions (co-units owe contributions, not progress reports): a draft and one submitted on time
  for the current period, two submitted late for the last past-due period.

Like tracker/demo.py, everything goes through the real services. This module sits at the top of the import graph
with the demo_setup command that calls it (it imports the issue-12 apps; nothing in tracker below imports it).
Local demo only.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from reforms.choices import ResponsibilityRole, Scope, TargetStatus
from reforms.models import Batch, Reform, Responsibility, RolloutTarget
from tracker import services as reports
from tracker.cities import services as cities
from tracker.cities.choices import LeadOpinion
from tracker.cities.models import CityApplication, CitySubmission
from tracker.contributions import services as contributions
from tracker.contributions.deadlines import contribution_due_on
from tracker.contributions.models import Contribution
from tracker.models import ProgressReport, ReportingPeriod
from units.models import City, Unit

# The city submissions, by what happens to them, in the order the current period's targets are taken.
SUBMISSIONS = [
    ("confirmed", TargetStatus.DONE, "已在青岛片区全面推开，相关窗口已按新流程办理业务。"),
    ("submitted", TargetStatus.IN_PROGRESS, "已完成系统对接，正在组织窗口人员培训。"),
    ("returned", TargetStatus.IN_PROGRESS, "已印发本市实施方案。"),
    ("draft", TargetStatus.NOT_STARTED, "正在研究制定本市落实方案。"),
]
SUBMISSION_RETURN_COMMENT = "请补充本市实施方案的文号和印发日期，并附方案原件。"
# Applications for 有条件的市 items, by item code: what happens to each.
APPLICATIONS = [
    ("sdftz-1-b06", "approved"),
    ("sdftz-1-b04", "opinion"),
    ("sdftz-1-b03", "submitted"),
    ("sdftz-1-p04", "rejected"),
]
CONDITIONS_MET = "青岛港件杂货吞吐量居全省首位，口岸监管场所和信息化系统已具备条件。"
APPLICATION_REASON = "本市外贸企业需求迫切，申请纳入推广范围，由青岛片区先行承接。"
REJECT_REASON = "该事项须具备省级海域使用审批权限下放条件，青岛市目前尚不具备，暂不纳入推广范围。"
# Contributions of the co-unit, by its items in table order: (which period, what happens).
CONTRIBUTIONS = [("current", "submitted"), ("current", "draft"), ("past", "late"), ("past", "late")]
CONTRIBUTION_TEXT = "已配合牵头单位完成相关金融机构的政策宣贯，指导辖内银行机构落实业务流程调整。"


@dataclass
class PartnersResult:
    created: bool = False
    submissions: Counter = field(default_factory=Counter)
    applications: Counter = field(default_factory=Counter)
    contributions: Counter = field(default_factory=Counter)


def demo_partners_create(
    *, batch: Batch, office, city: City, city_user, co_unit: Unit, co_user, leads: dict[int, object]
) -> PartnersResult:
    """Give the demo city and co-unit their work, once (nothing is added when the city has filed anything).

    `leads` maps a unit id to a member of that unit who reviews as the lead unit (the demo's report filers).
    """
    result = PartnersResult()
    filed = CitySubmission.objects.filter(target__city=city).exists() or CityApplication.objects.filter(city=city)
    if not filed and not Contribution.objects.filter(unit=co_unit).exists():
        result.created = True
        today = timezone.localdate()
        periods = list(ReportingPeriod.objects.filter(batch=batch, starts_on__lte=today).order_by("starts_on"))
        if periods:
            with transaction.atomic():
                _submissions(city=city, user=city_user, period=periods[-1], leads=leads)
                _applications(batch=batch, city=city, user=city_user, office=office, leads=leads)
                past = [p for p in periods if p.due_on < today][-1:] or periods[-1:]
                _contributions(batch=batch, unit=co_unit, user=co_user, current=periods[-1], past=past[0], leads=leads)
    result.submissions = Counter(CitySubmission.objects.filter(target__city=city).values_list("state", flat=True))
    result.applications = Counter(CityApplication.objects.filter(city=city).values_list("state", flat=True))
    contributed = Contribution.objects.filter(unit=co_unit).select_related("period__batch__reporting_rule")
    result.contributions = Counter(c.state for c in contributed)
    result.contributions["late"] = sum(
        timezone.localdate(c.submitted_at) > contribution_due_on(c.period) for c in contributed if c.submitted_at
    )
    return result


def _lead_of(reform_id: int) -> int | None:
    lead = Responsibility.objects.filter(reform_id=reform_id, role=ResponsibilityRole.LEAD).first()
    return lead.unit_id if lead else None


def _submissions(*, city: City, user, period: ReportingPeriod, leads: dict[int, object]) -> None:
    # Items whose lead unit has a demo reviewer; the confirmed one goes first to an item whose lead report for the
    # period is still a draft, so the prefilled line shows on that report at once.
    targets = [
        t
        for t in RolloutTarget.objects.filter(reform__batch=period.batch, city=city)
        .select_related("reform", "city")
        .order_by("reform__position", "reform__pk")
        if _lead_of(t.reform_id) in leads
    ]
    drafts = set(
        ProgressReport.objects.filter(period=period, state="draft", reform__in=[t.reform for t in targets]).values_list(
            "reform_id", flat=True
        )
    )
    targets.sort(key=lambda t: t.reform_id not in drafts)
    now = timezone.now()
    for (what, status, text), target in zip(SUBMISSIONS, targets, strict=False):
        at = now - datetime.timedelta(days=2)
        submission = cities.city_submission_create(
            user=user, target=target, period=period, data={"status": status, "work_done": text}, at=at
        )
        if what == "draft":
            continue
        submission = cities.city_submission_submit(
            submission=submission, user=user, at=at + datetime.timedelta(hours=3)
        )
        reviewer = leads[_lead_of(target.reform_id)]
        if what == "confirmed":
            cities.city_submission_confirm(submission=submission, user=reviewer, comment="情况属实，同意。")
        elif what == "returned":
            cities.city_submission_return(submission=submission, user=reviewer, comment=SUBMISSION_RETURN_COMMENT)


def _applications(*, batch: Batch, city: City, user, office, leads: dict[int, object]) -> None:
    reforms = {r.code: r for r in Reform.objects.filter(batch=batch, scope=Scope.QUALIFIED_CITIES)}
    for code, what in APPLICATIONS:
        reform = reforms.get(code)
        if reform is None or RolloutTarget.objects.filter(reform=reform, city=city).exists():
            continue
        application = cities.city_application_create(
            user=user, reform=reform, city=city, conditions_met=CONDITIONS_MET, reason=APPLICATION_REASON
        )
        reviewer = leads.get(_lead_of(reform.pk))
        if what in ("opinion", "approved") and reviewer is not None:
            application = cities.city_application_opinion(
                application=application, user=reviewer, opinion=LeadOpinion.SUPPORT, comment="本市具备承接条件。"
            )
        if what == "approved":
            cities.city_application_approve(application=application, user=office, comment="同意纳入推广范围。")
        elif what == "rejected":
            cities.city_application_reject(application=application, user=office, reason=REJECT_REASON)


def _contributions(
    *, batch: Batch, unit: Unit, user, current: ReportingPeriod, past: ReportingPeriod, leads: dict[int, object]
) -> None:
    # Items whose lead unit has a demo member first: the lead's report shows the contributions in its panel.
    reforms = sorted(
        (
            r.reform
            for r in Responsibility.objects.filter(reform__batch=batch, unit=unit, role=ResponsibilityRole.CO)
            .select_related("reform")
            .order_by("reform__position", "reform__pk")
        ),
        key=lambda reform: _lead_of(reform.pk) not in leads,
    )
    for (when, what), reform in zip(CONTRIBUTIONS, reforms, strict=False):
        period = current if when == "current" else past
        contribution = contributions.contribution_create(
            user=user, reform=reform, period=period, unit=unit, data={"work_done": CONTRIBUTION_TEXT}
        )
        if what == "draft":
            continue
        # Submitted now: on time for the current period, late for the past one.
        contributions.contribution_submit(contribution=contribution, user=user)
        lead = _lead_of(reform.pk)
        if when == "current" and lead in leads and not ProgressReport.objects.filter(reform=reform, period=period):
            # The lead unit has started its report for the period: the contribution shows on it.
            reports.report_create(
                user=leads[lead],
                reform=reform,
                period=period,
                unit=Unit.objects.get(pk=lead),
                data={"status": TargetStatus.IN_PROGRESS, "work_done": "正在汇总配合单位材料。"},
            )
