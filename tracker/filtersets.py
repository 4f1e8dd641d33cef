"""FilterSets for the tracker API: one `<fk>_id` and one readable `<fk>` filter per relation, free text in `q`."""

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import IdFilter
from reforms.models import Batch, Reform
from units.models import City, Unit

from .choices import ReportState
from .models import ProgressReport, ReportCityLine, ReportingPeriod


def _by_code(field_name: str, queryset: QuerySet, to_field: str, label):
    # field_name walks to the readable key, which the schema cannot follow by itself: hence the explicit type.
    return extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelMultipleChoiceFilter(
            field_name=field_name, to_field_name=to_field, queryset=queryset, label=label
        )
    )


class ReportingPeriodFilterSet(FilterSet):
    batch_id = IdFilter(field_name="batch", queryset=Batch.objects.all(), label=_("Batch (id)"))
    batch = _by_code("batch__code", Batch.objects.all(), "code", _("Batch (code)"))
    code = django_filters.CharFilter(label=_("Period code"))
    current_on = django_filters.DateFilter(method="filter_current_on", label=_("Periods that include this day"))

    class Meta:
        model = ReportingPeriod
        fields = ["batch_id", "batch", "code", "current_on"]

    def filter_current_on(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class ProgressReportFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search (narrative, reform title or code, unit)"))
    reform_id = IdFilter(field_name="reform", queryset=Reform.objects.all(), label=_("Reform (id)"))
    reform = _by_code("reform__code", Reform.objects.all(), "code", _("Reform (code)"))
    unit_id = IdFilter(field_name="unit", queryset=Unit.objects.all(), label=_("Unit (id)"))
    unit = _by_code("unit__name", Unit.objects.all(), "name", _("Unit (name)"))
    period_id = IdFilter(field_name="period", queryset=ReportingPeriod.objects.all(), label=_("Reporting period (id)"))
    # Codes repeat across batches (every batch has a 2026-11), so this matches that period of every batch.
    period = extend_schema_field(OpenApiTypes.STR)(
        django_filters.CharFilter(field_name="period__code", label=_("Reporting period (code)"))
    )
    batch_id = IdFilter(field_name="reform__batch", queryset=Batch.objects.all(), label=_("Batch (id)"))
    batch = _by_code("reform__batch__code", Batch.objects.all(), "code", _("Batch (code)"))
    city_id = IdFilter(
        field_name="city_lines__city", queryset=City.objects.all(), method="filter_city", label=_("City (id)")
    )
    city = django_filters.ModelMultipleChoiceFilter(
        field_name="city_lines__city",
        to_field_name="code",
        queryset=City.objects.all(),
        method="filter_city",
        label=_("City (administrative code)"),
    )
    state = django_filters.MultipleChoiceFilter(choices=ReportState.choices, label=_("State"))
    submitted_after = django_filters.DateTimeFilter(
        field_name="submitted_at", lookup_expr="gte", label=_("Submitted at or after")
    )
    submitted_before = django_filters.DateTimeFilter(
        field_name="submitted_at", lookup_expr="lt", label=_("Submitted before")
    )

    class Meta:
        model = ProgressReport
        fields = [
            "q",
            "reform_id",
            "reform",
            "unit_id",
            "unit",
            "period_id",
            "period",
            "batch_id",
            "batch",
            "city_id",
            "city",
            "state",
            "submitted_after",
            "submitted_before",
        ]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(work_done__icontains=value)
            | Q(problems__icontains=value)
            | Q(next_steps__icontains=value)
            | Q(reform__title__icontains=value)
            | Q(reform__code__icontains=value)
            | Q(unit__name__icontains=value)
        )

    def filter_city(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # EXISTS rather than a join: a report with lines for two of the chosen cities is listed once, no DISTINCT.
        if not value:
            return queryset
        return queryset.filter(Exists(ReportCityLine.objects.filter(report=OuterRef("pk"), city__in=value)))
