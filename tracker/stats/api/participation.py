"""The participation statistics (issue 12): city submissions, claims and applications per city; contributions per
co-unit. Read live (not from the rollup): a fixed handful of grouped queries, cached like the other statistics
(.caching) under a generation that the writes they count move.

Scope (tracker.stats.selectors.participation.participation_scope): the office and consumers see every row, city
staff their cities' rows, unit staff their units' rows (and, per city, their units' reforms); anyone else 403.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from core.pagination import Pagination

from ..filtersets import filters_within
from ..selectors.participation import city_participation, participation_scope, unit_contributions
from .caching import cached_answer
from .views import FILTERS, PAGING, TAGS

COUNT_HELP = {
    "due": _("Owed, and the due date has passed (is before today)."),
    "on_time": _("Due, and submitted on or before the due date (the date in China Standard Time)."),
    "late": _("Due, and submitted after the due date."),
    "missing": _("Due, and not submitted: none, a draft, or returned and not submitted again."),
    "submitted": _("Due and submitted: on time plus late."),
    "upcoming": _("Owed, due today or later."),
}


class CountsSerializer(serializers.Serializer):
    due = serializers.IntegerField(read_only=True, help_text=COUNT_HELP["due"])
    on_time = serializers.IntegerField(read_only=True, help_text=COUNT_HELP["on_time"])
    late = serializers.IntegerField(read_only=True, help_text=COUNT_HELP["late"])
    missing = serializers.IntegerField(read_only=True, help_text=COUNT_HELP["missing"])
    submitted = serializers.IntegerField(read_only=True, source="filed", help_text=COUNT_HELP["submitted"])
    upcoming = serializers.IntegerField(read_only=True, help_text=COUNT_HELP["upcoming"])


class ParticipationCitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class ParticipationUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class CityParticipationSerializer(serializers.Serializer):
    city = ParticipationCitySerializer(source="subject", read_only=True)
    targets = serializers.IntegerField(read_only=True, help_text=_("Applicable targets of the city."))
    submissions = CountsSerializer(
        read_only=True,
        help_text=_(
            "City submissions: one per applicable target and reporting period, due the reporting rule's "
            "contribution lead time (working days) before the period's due date."
        ),
    )
    claims = serializers.IntegerField(
        read_only=True, help_text=_("Applicable targets on which the city has submitted or confirmed a status.")
    )
    claims_differing = serializers.IntegerField(
        read_only=True,
        help_text=_("Targets whose latest claimed status (latest period) differs from the confirmed status."),
    )
    applications_pending = serializers.IntegerField(
        read_only=True, help_text=_("Applications for conditional items awaiting the office's decision.")
    )


class UnitContributionsSerializer(serializers.Serializer):
    unit = ParticipationUnitSerializer(source="subject", read_only=True)
    co_reforms = serializers.IntegerField(read_only=True, help_text=_("Reforms of which the unit is a co-unit."))
    contributions = CountsSerializer(
        read_only=True,
        help_text=_(
            "Contributions: one per co-unit responsibility and reporting period, due the reporting rule's "
            "contribution lead time (working days) before the period's due date."
        ),
    )


def _page_serializer(name: str, rows) -> type:
    fields = {
        "generated_at": serializers.DateTimeField(read_only=True),
        "count": serializers.IntegerField(read_only=True),
        "next": serializers.URLField(read_only=True, allow_null=True),
        "previous": serializers.URLField(read_only=True, allow_null=True),
        "results": rows,
    }
    return type(name, (serializers.Serializer,), fields)


COUNT_NAMES = ("due", "on_time", "late", "missing", "submitted", "upcoming")


def _counts_keys(prefix: str, attribute: str) -> dict:
    return {
        f"{prefix}_{name}": (
            lambda row, name=name: getattr(getattr(row, attribute), "filed" if name == "submitted" else name)
        )
        for name in COUNT_NAMES
    }


CITY_ORDERING = {
    "code": lambda row: row.subject["code"],
    "name": lambda row: row.subject["name"],
    "targets": lambda row: row.targets,
    "claims": lambda row: row.claims,
    "claims_differing": lambda row: row.claims_differing,
    "applications_pending": lambda row: row.applications_pending,
    **_counts_keys("submissions", "submissions"),
}
UNIT_ORDERING = {
    "name": lambda row: row.subject["name"],
    "co_reforms": lambda row: row.co_reforms,
    **_counts_keys("contributions", "contributions"),
}


def order(rows: list, ordering: str | None, keys: dict) -> list:
    """Sort by the comma-separated names of `ordering` (- for descending); 400 on an unknown name."""
    names = [name.strip() for name in (ordering or "").split(",") if name.strip()]
    unknown = [name for name in names if name.lstrip("-") not in keys]
    if unknown:
        raise ValidationError(
            {
                "ordering": gettext("Unknown field “%(field)s”; use one of: %(fields)s")
                % {"field": unknown[0], "fields": ", ".join(keys)}
            }
        )
    result = list(rows)
    for name in reversed(names):  # stable sorts, last key first
        result.sort(key=keys[name.lstrip("-")], reverse=name.startswith("-"))
    return result


def _ordering_parameter(keys: dict) -> OpenApiParameter:
    return OpenApiParameter(
        "ordering",
        str,
        description=format_lazy(
            "{}: {}", _("Sort by one or more of these fields, comma-separated, - for descending"), ", ".join(keys)
        ),
    )


class ParticipationView(APIView):
    permission_classes = [IsAuthenticated]
    subject = ""
    ordering_keys: dict = {}
    row_serializer = None

    def rows(self, f, today) -> list:
        raise NotImplementedError

    def get(self, request):
        """The answer, cached like the other statistics (.caching): the generation moves when a city submission,
        contribution or application changes state or a target is added, so a cached answer is as live as a read."""
        scope = participation_scope(request.user, self.subject)  # 403 before any cache look-up
        return cached_answer(self, request, scope, lambda: self.answer(request, scope))

    def answer(self, request, scope) -> dict:
        f = filters_within(request.query_params, own=scope.unit_ids, own_cities=scope.city_ids)
        rows = order(self.rows(f, timezone.localdate()), request.query_params.get("ordering"), self.ordering_keys)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return {
            "generated_at": serializers.DateTimeField().to_representation(timezone.now()),
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": self.row_serializer(page, many=True).data,
        }


DESCRIPTION = _(
    "Read live, not from the rollup (no as_of). The period and date filters choose the obligations by period and by "
    "due date; claims, targets and applications are the current state. The office and consumers see every row, city "
    "staff their own cities, unit staff their own units (per city: their units' reforms)."
)


@extend_schema(
    tags=TAGS,
    summary=_("City participation: submissions, claims, applications"),
    description=DESCRIPTION,
    parameters=[*FILTERS, _ordering_parameter(CITY_ORDERING), *PAGING],
    responses=_page_serializer(
        "CityParticipationPageSerializer", CityParticipationSerializer(many=True, read_only=True)
    ),
)
class CityParticipationView(ParticipationView):
    subject = "city"
    ordering_keys = CITY_ORDERING
    row_serializer = CityParticipationSerializer

    def rows(self, f, today):
        return city_participation(f, today)


@extend_schema(
    tags=TAGS,
    summary=_("Co-unit contributions"),
    description=DESCRIPTION,
    parameters=[*FILTERS, _ordering_parameter(UNIT_ORDERING), *PAGING],
    responses=_page_serializer(
        "UnitContributionsPageSerializer", UnitContributionsSerializer(many=True, read_only=True)
    ),
)
class UnitContributionsView(ParticipationView):
    subject = "unit"
    ordering_keys = UNIT_ORDERING
    row_serializer = UnitContributionsSerializer

    def rows(self, f, today):
        return unit_contributions(f, today)
