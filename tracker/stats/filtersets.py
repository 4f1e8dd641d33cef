"""The filters of every statistic (API, dashboard, ledger export), and the user's scope applied on top of them.

StatsFilterSet validates the query string (clear field errors in the user's language); stats_filters() turns it
into the StatsFilters the selectors take, narrowing a unit's staff to their own units.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import FilterSet

from core.access import figure_unit_ids
from core.filters import IdFilter
from reforms.choices import Category, Scope
from reforms.models import Batch, Reform
from tracker.models import ReportingPeriod
from units.models import City, Unit

from .selectors.figures import StatsFilters


class StatsFilterSet(FilterSet):
    """Only its form is used: the selectors apply the cleaned values to targets and obligations alike."""

    batch_id = IdFilter(queryset=Batch.objects.all(), label=_("Batch (id)"))
    batch = django_filters.ModelMultipleChoiceFilter(
        to_field_name="code", queryset=Batch.objects.all(), label=_("Batch (code)")
    )
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, label=_("Category"))
    scope = django_filters.MultipleChoiceFilter(choices=Scope.choices, label=_("Promotion scope"))
    unit_id = IdFilter(
        queryset=Unit.objects.all(),
        label=_("Responsible unit (id): its reforms' targets and its own report obligations"),
    )
    unit = django_filters.ModelMultipleChoiceFilter(
        to_field_name="name",
        queryset=Unit.objects.all(),
        label=_("Responsible unit (name): its reforms' targets and its own report obligations"),
    )
    city_id = IdFilter(
        queryset=City.objects.all(),
        label=_("Target city (id): its targets and the obligations of the reforms targeting it"),
    )
    city = django_filters.ModelMultipleChoiceFilter(
        to_field_name="code",
        queryset=City.objects.all(),
        label=_("Target city (administrative code): its targets and the obligations of the reforms targeting it"),
    )
    period_id = IdFilter(
        queryset=ReportingPeriod.objects.all(), label=_("Reporting period (id): the obligations of these periods")
    )
    # Codes repeat across batches (every batch may have a 2026-11): a code selects that period of every batch.
    period = django_filters.CharFilter(label=_("Reporting period (code, e.g. 2026-11): that period of every batch"))
    date_from = django_filters.DateFilter(
        label=_("From this day (YYYY-MM-DD): obligations due and targets done on or after it")
    )
    date_to = django_filters.DateFilter(
        label=_("To this day (YYYY-MM-DD): obligations due and targets done on or before it")
    )

    class Meta:
        model = Reform
        fields = [
            "batch_id",
            "batch",
            "category",
            "scope",
            "unit_id",
            "unit",
            "city_id",
            "city",
            "period_id",
            "period",
            "date_from",
            "date_to",
        ]


def _ids(*choices) -> tuple[int, ...] | None:
    """The ids every given filter allows (both `batch_id` and `batch` given: those in both); None: no filter."""
    given = [{obj.pk for obj in chosen} for chosen in choices if chosen]
    if not given:
        return None
    return tuple(sorted(set.intersection(*given)))


def _without_blanks(data) -> QueryDict:
    """Empty parameters mean "no filter": an HTML form sends every select, "All" as an empty value."""
    cleaned = QueryDict(mutable=True)
    for key in data:
        values = [value for value in data.getlist(key) if value.strip()] if hasattr(data, "getlist") else [data[key]]
        if values:
            cleaned.setlist(key, values)
    return cleaned


def stats_filters(user, data) -> StatsFilters:
    """Validate the query parameters for `user`; raises ValidationError (a 400) or PermissionDenied (a 403)."""
    return filters_within(data, own=figure_unit_ids(user))


def filters_within(data, *, own: tuple[int, ...] | None, own_cities: tuple[int, ...] | None = None) -> StatsFilters:
    """Validate the query parameters, narrowed to the units `own` and the cities `own_cities` (None: all); a unit or
    city filter naming another one answers 400."""
    filterset = StatsFilterSet(data=_without_blanks(data), queryset=Reform.objects.none())
    if not filterset.is_valid():
        raise ValidationError({field: list(errors) for field, errors in filterset.errors.items()})
    cleaned = filterset.form.cleaned_data
    units = _ids(cleaned.get("unit_id"), cleaned.get("unit"))
    if own is not None and units is not None and not set(units) <= set(own):
        field = "unit_id" if cleaned.get("unit_id") else "unit"
        raise ValidationError({field: [_("You can only see the figures of your own units.")]})
    cities = _ids(cleaned.get("city_id"), cleaned.get("city"))
    if own_cities is not None and cities is not None and not set(cities) <= set(own_cities):
        field = "city_id" if cleaned.get("city_id") else "city"
        raise ValidationError({field: [_("You can only see the figures of your own cities.")]})
    date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
    if date_from and date_to and date_from > date_to:
        raise ValidationError({"date_to": [_("The end date is before the start date.")]})
    period = (cleaned.get("period") or "").strip()
    return StatsFilters(
        batch_ids=_ids(cleaned.get("batch_id"), cleaned.get("batch")),
        categories=tuple(cleaned.get("category") or ()),
        scopes=tuple(cleaned.get("scope") or ()),
        unit_ids=units if units is not None else own,
        city_ids=cities if cities is not None else own_cities,
        period_ids=tuple(obj.pk for obj in cleaned.get("period_id") or ()),
        period_codes=(period,) if period else (),
        date_from=date_from,
        date_to=date_to,
    )
