import django_filters
from django.utils.translation import gettext_lazy as _

from reforms.choices import Scope
from reforms.models import Reform, RolloutTarget

from .choices import ApplicationState, SubmissionState
from .models import CityApplication, CitySubmission


class CitySubmissionFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=SubmissionState.choices, label=_("state"))
    city_id = django_filters.NumberFilter(field_name="target__city_id", label=_("city (ID)"))
    city = django_filters.CharFilter(field_name="target__city__code", label=_("city (code)"))
    reform_id = django_filters.NumberFilter(field_name="target__reform_id", label=_("reform (ID)"))
    reform = django_filters.CharFilter(field_name="target__reform__code", label=_("reform (code)"))
    period_id = django_filters.NumberFilter(field_name="period_id", label=_("reporting period (ID)"))
    differs_from_lead = django_filters.BooleanFilter(
        field_name="differs_from_lead", label=_("differs from the lead unit's line")
    )

    class Meta:
        model = CitySubmission
        fields = ["state", "city_id", "city", "reform_id", "reform", "period_id", "differs_from_lead"]


class RolloutTargetFilterSet(django_filters.FilterSet):
    city_id = django_filters.NumberFilter(field_name="city_id", label=_("city (ID)"))
    city = django_filters.CharFilter(field_name="city__code", label=_("city (code)"))
    reform_id = django_filters.NumberFilter(field_name="reform_id", label=_("reform (ID)"))
    reform = django_filters.CharFilter(field_name="reform__code", label=_("reform (code)"))

    class Meta:
        model = RolloutTarget
        fields = ["city_id", "city", "reform_id", "reform"]


class CityApplicationFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ApplicationState.choices, label=_("state"))
    city_id = django_filters.NumberFilter(field_name="city_id", label=_("city (ID)"))
    city = django_filters.CharFilter(field_name="city__code", label=_("city (code)"))
    reform_id = django_filters.NumberFilter(field_name="reform_id", label=_("reform (ID)"))
    reform = django_filters.CharFilter(field_name="reform__code", label=_("reform (code)"))

    class Meta:
        model = CityApplication
        fields = ["state", "city_id", "city", "reform_id", "reform"]


class CityItemFilterSet(django_filters.FilterSet):
    scope = django_filters.MultipleChoiceFilter(choices=Scope.choices, label=_("promotion scope"))
    batch_id = django_filters.NumberFilter(field_name="batch_id", label=_("batch (ID)"))
    batch = django_filters.CharFilter(field_name="batch__code", label=_("batch (code)"))

    class Meta:
        model = Reform
        fields = ["scope", "batch_id", "batch"]
