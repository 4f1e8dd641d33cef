"""FilterSets for the units API: one `<fk>_id` and one readable `<fk>` filter per relation, free text in `q`."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import IdFilter

from .choices import UnitKind
from .models import City, Unit


class CityFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search (name, English name, code)"))
    code = django_filters.CharFilter(label=_("Administrative code"))

    class Meta:
        model = City
        fields = ["q", "code"]

    def search(self, queryset: QuerySet[City], name: str, value: str) -> QuerySet[City]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value) | Q(code__icontains=value))


class UnitFilterSet(FilterSet):
    # distinct=False: multiple-choice filters add DISTINCT by default, useless on a unit's own columns and its FK.
    q = django_filters.CharFilter(method="search", label=_("Search (name, English name, other names)"))
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices, distinct=False, label=_("Kind"))
    city_id = IdFilter(field_name="city", queryset=City.objects.all(), distinct=False, label=_("City (id)"))
    # field_name walks to the code: the filter compares the code, not the instance. The schema cannot follow that
    # path by itself, hence the explicit type.
    city = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelMultipleChoiceFilter(
            field_name="city__code",
            to_field_name="code",
            queryset=City.objects.all(),
            distinct=False,
            label=_("City (administrative code)"),
        )
    )

    class Meta:
        model = Unit
        fields = ["q", "kind", "city_id", "city"]

    def search(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(short_en__icontains=value) | Q(aliases__icontains=value))
