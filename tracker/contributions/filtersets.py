"""The contributions list's filters: one `<fk>_id` and one readable `<fk>` filter per relation, free text in `q`."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import IdFilter
from reforms.models import Batch, Reform
from tracker.filtersets import _by_code
from tracker.models import ReportingPeriod
from units.models import Unit

from .choices import ContributionState
from .models import Contribution


class ContributionFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search (narrative, reform title or code, unit)"))
    reform_id = IdFilter(field_name="reform", queryset=Reform.objects.all(), label=_("Reform (id)"))
    reform = _by_code("reform__code", Reform.objects.all(), "code", _("Reform (code)"))
    unit_id = IdFilter(field_name="unit", queryset=Unit.objects.all(), label=_("Unit (id)"))
    unit = _by_code("unit__name", Unit.objects.all(), "name", _("Unit (name)"))
    period_id = IdFilter(field_name="period", queryset=ReportingPeriod.objects.all(), label=_("Reporting period (id)"))
    period = extend_schema_field(OpenApiTypes.STR)(
        django_filters.CharFilter(field_name="period__code", label=_("Reporting period (code)"))
    )
    batch_id = IdFilter(field_name="reform__batch", queryset=Batch.objects.all(), label=_("Batch (id)"))
    state = django_filters.MultipleChoiceFilter(choices=ContributionState.choices, label=_("State"))

    class Meta:
        model = Contribution
        fields = ["q", "reform_id", "reform", "unit_id", "unit", "period_id", "period", "batch_id", "state"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(work_done__icontains=value)
            | Q(problems__icontains=value)
            | Q(reform__title__icontains=value)
            | Q(reform__code__icontains=value)
            | Q(unit__name__icontains=value)
        )
