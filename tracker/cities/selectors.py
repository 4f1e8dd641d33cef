"""Reads of the cities app: querysets planned in one place (no query per row), writing nothing."""

from django.db.models import BooleanField, Case, F, OuterRef, Q, QuerySet, Subquery, Value, When

from reforms.choices import ResponsibilityRole
from tracker.models import ReportCityLine

from .models import CitySubmission


def with_lead_line(submissions: QuerySet[CitySubmission]) -> QuerySet[CitySubmission]:
    """Annotate each submission with the lead unit's report line for its city and period: `lead_line_status`,
    `lead_report_id`, `lead_report_state`, and `differs_from_lead` (a confirmed claim the unit's line does not say).

    Correlated subqueries, evaluated for the page's rows only."""
    lines = ReportCityLine.objects.filter(
        city_id=OuterRef("target__city_id"),
        report__reform_id=OuterRef("target__reform_id"),
        report__period_id=OuterRef("period_id"),
        report__unit__responsibilities__reform_id=OuterRef("target__reform_id"),
        report__unit__responsibilities__role=ResponsibilityRole.LEAD,
    ).order_by()
    annotated = submissions.annotate(
        lead_line_status=Subquery(lines.values("status")[:1]),
        lead_report_id=Subquery(lines.values("report_id")[:1]),
        lead_report_state=Subquery(lines.values("report__state")[:1]),
    )
    return annotated.annotate(
        differs_from_lead=Case(
            When(
                Q(state="confirmed", lead_line_status__isnull=False) & ~Q(lead_line_status=F("status")),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
