"""Confirmed city submissions → the lead unit's report lines for those cities.

Two ways in: a confirmation while the lead's report for that reform and period is editable
(city_line_follow_submission, called by city_submission_confirm), and the lead creating its report after the
confirmation (confirmed_statuses, which tracker's report_create asks through its city-line sources: see apps.py).
The unit may still correct a line; the office sees the difference (selectors.with_lead_line). Nothing here writes a
rollout target: approving the unit's report stays the one path into the matrix.
"""

from django.db.models import F
from django.utils import timezone

from reforms.choices import ResponsibilityRole
from reforms.models import Responsibility
from tracker.choices import EDITABLE_STATES
from tracker.models import ProgressReport, ReportCityLine

from ..choices import SubmissionState
from ..models import CitySubmission


def confirmed_statuses(report: ProgressReport) -> dict[int, str]:
    """{city_id: status} the cities confirmed for `report`'s reform and period, if `report` is the lead unit's
    (else nothing). Registered with tracker's report_create (apps.py), which starts a new report's lines from it."""
    lead = Responsibility.objects.filter(
        reform_id=report.reform_id, unit_id=report.unit_id, role=ResponsibilityRole.LEAD
    )
    confirmed = CitySubmission.objects.filter(
        target__reform_id=report.reform_id,
        period_id=report.period_id,
        state=SubmissionState.CONFIRMED,
        target__reform__responsibilities__in=lead,
    ).values_list("target__city_id", "status")
    return dict(confirmed)


def city_lines_prefill(*, report: ProgressReport) -> int:
    """Set the city lines of an editable lead report from the confirmed city submissions of its reform and period;
    returns how many lines changed. Does not bump the report's version (a repair tool: new reports get the same
    statuses through confirmed_statuses(), at creation)."""
    if report.state not in EDITABLE_STATES:
        return 0
    changed = 0
    for city_id, status in confirmed_statuses(report).items():
        changed += (
            ReportCityLine.objects.filter(report=report, city_id=city_id).exclude(status=status).update(status=status)
        )
    return changed


def city_line_follow_submission(*, submission: CitySubmission) -> bool:
    """After a confirmation: copy the city's status into the lead unit's report for the same reform and period if
    that report is still a draft or returned. The report's version grows, so a unit editing it at the old version
    gets 412 and reloads (seeing the city's word) instead of silently overwriting it."""
    target = submission.target
    lead = Responsibility.objects.filter(reform_id=target.reform_id, role=ResponsibilityRole.LEAD).values("unit_id")
    # Locked: the unit may be submitting this report right now; whoever comes second sees the other's write.
    report = (
        ProgressReport.objects.select_for_update()
        .filter(reform_id=target.reform_id, period_id=submission.period_id, unit_id__in=lead)
        .first()
    )
    if report is None or report.state not in EDITABLE_STATES:
        return False
    changed = (
        ReportCityLine.objects.filter(report=report, city_id=target.city_id)
        .exclude(status=submission.status)
        .update(status=submission.status)
    )
    if changed:
        ProgressReport.objects.filter(pk=report.pk).update(version=F("version") + 1, updated_at=timezone.now())
    return bool(changed)
