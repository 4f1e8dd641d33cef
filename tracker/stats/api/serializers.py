"""Output shapes of the statistics API. Read-only: they describe (and document) the rows the selectors build."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reforms.api.serializers import BatchBriefSerializer, ReformBriefSerializer
from reforms.choices import Category, Scope, TargetStatus
from tracker.api.serializers import ReportingPeriodBriefSerializer
from tracker.choices import ReportState
from units.api.serializers import CityBriefSerializer, UnitBriefSerializer

from ..choices import Interval, StatusColour, Trend
from ..definitions import DEFINITIONS


@extend_schema_field(OpenApiTypes.DOUBLE)
class RateField(serializers.Field):
    """A share between 0 and 1 (an exact fraction inside), rounded to four decimals; null when undefined."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value is None else round(float(value), 4)


def _count(key: str | None = None, **kwargs):
    return serializers.IntegerField(read_only=True, help_text=DEFINITIONS[key] if key else "", **kwargs)


class FiguresSerializer(serializers.Serializer):
    reforms = _count()
    targets = _count("target")
    done = _count()
    in_progress = _count()
    not_started = _count()
    not_applicable = _count()
    completion_rate = RateField(help_text=DEFINITIONS["completion_rate"])
    expected_rate = RateField(help_text=DEFINITIONS["expected_rate"])
    overdue_targets = _count("overdue_targets")
    targets_due_soon = _count("targets_due_soon")
    reports_due = _count("reports_due")
    reports_on_time = _count("reports_on_time")
    reports_late = _count("reports_late")
    reports_missing = _count("reports_missing")
    reports_upcoming = _count("reports_upcoming")
    reports_due_soon = _count("reports_due_soon")
    last_report_at = serializers.DateTimeField(read_only=True, allow_null=True)


@extend_schema_field({"type": "string", "enum": StatusColour.values}, component_name="StatusColour")
class ColourField(serializers.ChoiceField):
    """red, yellow or green: one schema component for every colour field (computed, overridden, previous)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(choices=StatusColour.choices, read_only=True, **kwargs)


class OverrideSerializer(serializers.Serializer):
    colour = ColourField(allow_null=False)
    reason = serializers.CharField(read_only=True)
    expires_on = serializers.DateField(read_only=True, allow_null=True)
    set_by = serializers.CharField(read_only=True)
    set_at = serializers.DateTimeField(read_only=True)


class StatusSerializer(serializers.Serializer):
    colour = ColourField(help_text=DEFINITIONS["colour"])
    computed_colour = ColourField()
    override = OverrideSerializer(read_only=True, allow_null=True, help_text=DEFINITIONS["override"])
    previous_colour = ColourField(help_text=DEFINITIONS["trend"])
    trend = serializers.ChoiceField(choices=Trend.choices, read_only=True, allow_null=True)


class ReformSubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    scope = serializers.ChoiceField(choices=Scope.choices, read_only=True)
    batch = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField()
    lead_unit = serializers.SerializerMethodField()

    @extend_schema_field(BatchBriefSerializer)
    def get_batch(self, subject) -> dict:
        return {"id": subject["batch_id"], "code": subject["batch__code"], "title": subject["batch__title"]}

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_deadline(self, subject):
        """The reform's completion deadline, else its batch's default."""
        return subject["deadline"] or subject["batch__default_deadline"]

    @extend_schema_field(UnitBriefSerializer(allow_null=True))
    def get_lead_unit(self, subject) -> dict | None:
        if subject["lead_unit_id"] is None:
            return None
        return {"id": subject["lead_unit_id"], "name": subject["lead_unit_name"]}


class BatchSubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    issued_on = serializers.DateField(read_only=True, allow_null=True)
    default_deadline = serializers.DateField(read_only=True, allow_null=True)


class CategorySubjectSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=Category.choices, read_only=True)
    label = serializers.CharField(read_only=True)


class ScopeSubjectSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=Scope.choices, read_only=True)
    label = serializers.CharField(read_only=True)


def _row(name: str, subject, *, coloured: bool, by_role: bool = False):
    """A row serializer: the subject under `name`, its figures, and (for reforms, units, cities) its status."""
    fields = {name: subject(source="subject", read_only=True), "figures": FiguresSerializer(read_only=True)}
    if by_role:
        fields["as_lead"] = FiguresSerializer(source="lead", read_only=True)
        fields["as_co"] = FiguresSerializer(source="co", read_only=True)
    if coloured:
        fields["status"] = StatusSerializer(read_only=True)
    return type(f"{name.title()}RowSerializer", (serializers.Serializer,), fields)


ReformRowSerializer = _row("reform", ReformSubjectSerializer, coloured=True)
UnitRowSerializer = _row("unit", UnitBriefSerializer, coloured=True, by_role=True)
CityRowSerializer = _row("city", CityBriefSerializer, coloured=True)
BatchRowSerializer = _row("batch", BatchSubjectSerializer, coloured=False)
CategoryRowSerializer = _row("category", CategorySubjectSerializer, coloured=False)
ScopeRowSerializer = _row("scope", ScopeSubjectSerializer, coloured=False)

ROW_SERIALIZERS = {
    "reform": ReformRowSerializer,
    "unit": UnitRowSerializer,
    "city": CityRowSerializer,
    "batch": BatchRowSerializer,
    "category": CategoryRowSerializer,
    "scope": ScopeRowSerializer,
}


class FreshnessSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(read_only=True, allow_null=True, help_text=DEFINITIONS["as_of"])
    generated_at = serializers.DateTimeField(read_only=True)


def page_of(name: str, results) -> type:
    """A page of rows, with the freshness of the figures."""
    fields = {
        "count": serializers.IntegerField(read_only=True),
        "next": serializers.URLField(read_only=True, allow_null=True),
        "previous": serializers.URLField(read_only=True, allow_null=True),
        "results": results,
    }
    return type(name, (FreshnessSerializer,), fields)


class ColourCountsSerializer(serializers.Serializer):
    red = serializers.IntegerField(read_only=True)
    yellow = serializers.IntegerField(read_only=True)
    green = serializers.IntegerField(read_only=True)


class OverviewSerializer(FreshnessSerializer):
    figures = FiguresSerializer(read_only=True)
    target_cities = serializers.IntegerField(read_only=True, help_text="")
    reform_colours = ColourCountsSerializer(read_only=True)


class ClaimSerializer(serializers.Serializer):
    """A city's latest submitted or confirmed submission on a target (issue 12)."""

    status = serializers.ChoiceField(choices=TargetStatus.choices, read_only=True)
    state = serializers.CharField(read_only=True, help_text=_("submitted or confirmed"))
    period = serializers.CharField(read_only=True, help_text=_("The reporting period's code"))
    submitted_at = serializers.DateTimeField(read_only=True)


class CellSerializer(serializers.Serializer):
    city_id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=TargetStatus.choices, read_only=True)
    status_changed_on = serializers.DateField(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(read_only=True, help_text=DEFINITIONS["overdue_targets"])
    # With ?claims=1 only (else null): the city's latest claim on the target, and whether it differs.
    claim = ClaimSerializer(read_only=True, allow_null=True, default=None)
    claim_differs = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("With claims=1: whether the city's latest claim differs from the confirmed status; else null."),
    )


class MatrixRowSerializer(ReformRowSerializer):
    # null: the column's city is not a target of the row's reform.
    cells = serializers.ListField(
        child=CellSerializer(allow_null=True),
        read_only=True,
        source="extra.cells",
        help_text="",
    )


class MatrixSerializer(page_of("MatrixPageSerializer", MatrixRowSerializer(many=True, read_only=True))):
    cities = CityRowSerializer(many=True, read_only=True)


class TrendPointSerializer(serializers.Serializer):
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    completed = serializers.IntegerField(read_only=True)
    cumulative_done = serializers.IntegerField(read_only=True)
    cumulative_rate = RateField()


class TrendSerializer(FreshnessSerializer):
    interval = serializers.ChoiceField(choices=Interval.choices, read_only=True)
    date_from = serializers.DateField(read_only=True)
    date_to = serializers.DateField(read_only=True)
    applicable = serializers.IntegerField(read_only=True)
    done = serializers.IntegerField(read_only=True)
    undated_done = serializers.IntegerField(read_only=True)
    points = TrendPointSerializer(many=True, read_only=True)


class MissingReportSerializer(serializers.Serializer):
    reform = ReformBriefSerializer(read_only=True)
    unit = UnitBriefSerializer(read_only=True)
    period = ReportingPeriodBriefSerializer(read_only=True)
    due_on = serializers.DateField(read_only=True)
    days_overdue = serializers.SerializerMethodField()
    report_id = serializers.IntegerField(read_only=True, allow_null=True)
    report_state = serializers.ChoiceField(
        choices=ReportState.choices, read_only=True, allow_blank=True, help_text=DEFINITIONS["reports_missing"]
    )

    def get_days_overdue(self, fact) -> int:
        return (self.context["as_of_date"] - fact.due_on).days
