"""FilterSets for the reforms API: one `<fk>_id` and one readable `<fk>` filter per relation, free text in `q`."""

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import BooleanFilter, IdFilter
from units.models import City, Unit

from .choices import Category, ResponsibilityRole, Scope
from .models import Batch, Reform, Responsibility, RolloutTarget

# Filters on a reform's responsible units: applied together in ReformFilterSet.filter_queryset().
RESPONSIBILITY_FILTERS = ("unit_id", "unit", "role")


class ReformFilterSet(FilterSet):
    # distinct=False: multiple-choice filters add DISTINCT by default, useless on a reform's own columns and its
    # batch. The unit and city filters follow many-valued relations through EXISTS, so rows never repeat either.
    q = django_filters.CharFilter(method="search", label=_("Search (title, content, code)"))
    batch_id = IdFilter(field_name="batch", queryset=Batch.objects.all(), distinct=False, label=_("Batch (id)"))
    # field_name walks to the code: the filter compares the code, not the instance. The schema cannot follow that
    # path by itself, hence the explicit type.
    batch = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelMultipleChoiceFilter(
            field_name="batch__code",
            to_field_name="code",
            queryset=Batch.objects.all(),
            distinct=False,
            label=_("Batch (code)"),
        )
    )
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, distinct=False, label=_("Category"))
    scope = django_filters.MultipleChoiceFilter(choices=Scope.choices, distinct=False, label=_("Promotion scope"))
    needs_verification = BooleanFilter(label=_("Needs verification"))
    # field_name points at the real relation so the schema documents the types; the filtering itself happens in
    # filter_queryset(), where the three conditions must hold for one and the same responsibility row.
    unit_id = IdFilter(
        field_name="units",
        queryset=Unit.objects.all(),
        method="filter_responsibility",
        label=_("Responsible unit (id)"),
    )
    unit = django_filters.ModelMultipleChoiceFilter(
        field_name="units",
        to_field_name="name",
        queryset=Unit.objects.all(),
        method="filter_responsibility",
        label=_("Responsible unit (name)"),
    )
    role = django_filters.ChoiceFilter(
        field_name="responsibilities__role",
        choices=ResponsibilityRole.choices,
        method="filter_responsibility",
        label=_("Role of the unit (with unit or unit_id: the reforms that unit leads or co-implements)"),
    )
    city_id = IdFilter(
        field_name="cities", queryset=City.objects.all(), method="filter_city", label=_("Target city (id)")
    )
    city = django_filters.ModelMultipleChoiceFilter(
        field_name="cities",
        to_field_name="code",
        queryset=City.objects.all(),
        method="filter_city",
        label=_("Target city (administrative code)"),
    )

    class Meta:
        model = Reform
        fields = [
            "q",
            "batch_id",
            "batch",
            "category",
            "scope",
            "needs_verification",
            "unit_id",
            "unit",
            "role",
            "city_id",
            "city",
        ]

    def search(self, queryset: QuerySet[Reform], name: str, value: str) -> QuerySet[Reform]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(content__icontains=value) | Q(code__icontains=value))

    def filter_responsibility(self, queryset: QuerySet[Reform], name: str, value) -> QuerySet[Reform]:
        # Deferred to filter_queryset(): each of these alone would match a different responsibility row.
        return queryset

    def filter_city(self, queryset: QuerySet[Reform], name: str, value) -> QuerySet[Reform]:
        # EXISTS instead of a join: a reform targeting two of the chosen cities is listed once without DISTINCT,
        # and the GROUP BY of the target counts is not multiplied by extra joined rows. The subquery walks the
        # (reform, city) unique index.
        if not value:  # an absent multiple-choice filter cleans to an empty queryset, which django-filter passes on
            return queryset
        return queryset.filter(Exists(RolloutTarget.objects.filter(reform=OuterRef("pk"), city__in=value)))

    def filter_queryset(self, queryset: QuerySet[Reform]) -> QuerySet[Reform]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not any(data.get(name) for name in RESPONSIBILITY_FILTERS):
            return queryset
        # One EXISTS for the three filters, so `unit=X&role=lead` means "the reforms X leads" and not "the reforms
        # of X that have some lead". As for cities, EXISTS keeps each reform once without DISTINCT.
        responsibilities = Responsibility.objects.filter(reform=OuterRef("pk"))
        if data.get("unit_id"):
            responsibilities = responsibilities.filter(unit__in=data["unit_id"])
        if data.get("unit"):
            responsibilities = responsibilities.filter(unit__in=data["unit"])
        if data.get("role"):
            responsibilities = responsibilities.filter(role=data["role"])
        return queryset.filter(Exists(responsibilities))
