"""The statistics API: read-only views over tracker.stats.selectors, one per figure set.

Every view takes the same filters (StatsFilterSet), answers 400 with field messages on bad ones, scopes a unit's
staff to their own units, and says how fresh its figures are (`as_of`). Queries are a fixed number per view.
"""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import DateFilter, ModelMultipleChoiceFilter, MultipleChoiceFilter
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from core.access import figure_unit_ids
from core.filters import ID_SCHEMA
from core.pagination import Pagination
from core.schema import error_response

from .. import selectors
from ..choices import Interval, SubjectKind
from ..definitions import DEFINITIONS
from ..filtersets import StatsFilterSet, stats_filters
from ..selectors.breakdowns import filtered_reforms
from ..selectors.ledger import ledger_build, ledger_csv, ledger_xlsx
from ..selectors.ordering import order_rows, ordering_fields
from ..selectors.participation import attach_claims, latest_claims
from . import serializers as s
from .caching import cached_answer
from .claims import CLAIMS_PARAMETER, wants_claims

TAGS = ["stats"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filter_parameters() -> list[OpenApiParameter]:
    """The filters, documented from StatsFilterSet itself: the schema cannot drift from what is accepted."""
    parameters = []
    for name, flt in StatsFilterSet.base_filters.items():
        kwargs = {"description": flt.label, "many": False}
        if isinstance(flt, ModelMultipleChoiceFilter):
            if flt.extra.get("to_field_name"):
                kwargs.update(type=str, many=True, explode=True)
            else:
                kwargs.update(type={"type": "array", "items": ID_SCHEMA}, explode=True)
        elif isinstance(flt, MultipleChoiceFilter):
            kwargs.update(type=str, many=True, explode=True, enum=[value for value, _label in flt.extra["choices"]])
        elif isinstance(flt, DateFilter):
            kwargs.update(type=OpenApiTypes.DATE)
        else:
            kwargs.update(type=str)
        parameters.append(OpenApiParameter(name, location=OpenApiParameter.QUERY, **kwargs))
    return parameters


FILTERS = filter_parameters()
PAGING = [
    OpenApiParameter("page", int, description=_("Page number")),
    OpenApiParameter("page_size", int, description=_("Rows per page (at most 200)")),
]
DESCRIPTION = format_lazy(
    "{}\n\n{}\n\n{}\n\n{}", DEFINITIONS["filters"], DEFINITIONS["overlap"], DEFINITIONS["as_of"], DEFINITIONS["colour"]
)


def ordering_parameter(breakdown: str) -> OpenApiParameter:
    return OpenApiParameter(
        "ordering",
        str,
        description=format_lazy(
            "{}: {}",
            _("Sort by one or more of these fields, comma-separated, - for descending"),
            ", ".join(ordering_fields(breakdown)),
        ),
    )


class StatsView(APIView):
    """Shared by the statistics views: authentication required; the filters' Django validation errors answer 400
    through the API's exception handler (core.errors)."""

    permission_classes = [IsAuthenticated]

    def get_filters(self):
        return stats_filters(self.request.user, self.request.query_params)

    def get(self, request):
        """The answer, from the cache when the same question was asked since the figures last changed (.caching)."""
        scope = figure_unit_ids(request.user)  # refuses a user without figures (403) before any cache look-up
        # The rollup's state is read only on a miss: a cached answer costs no query.
        return cached_answer(self, request, scope, lambda: self.answer(request, selectors.clock_now()))

    def answer(self, request, clock) -> dict:
        raise NotImplementedError

    @staticmethod
    def freshness(clock) -> dict:
        """When the rollup was refreshed, and now; through the serializer, so in the active time zone."""
        return s.FreshnessSerializer({"as_of": clock.state.refreshed_at, "generated_at": timezone.now()}).data

    def page(self, rows, clock, results, **extra) -> dict:
        """One page of `rows` with the figures' freshness and the links; `results(page)` serializes its rows."""
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, self.request, view=self)
        return {
            **self.freshness(clock),
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            **extra,
            "results": results(page),
        }


@extend_schema(
    tags=TAGS,
    summary=_("Overview"),
    description=DESCRIPTION,
    parameters=FILTERS,
    responses=s.OverviewSerializer,
)
class OverviewView(StatsView):
    def answer(self, request, clock):
        f = self.get_filters()
        result = selectors.overview(f, clock)
        data = {
            "as_of": clock.state.refreshed_at,
            "generated_at": timezone.now(),
            "figures": result.figures,
            "target_cities": result.target_cities,
            "reform_colours": selectors.colour_counts(filtered_reforms(f), clock.today),
        }
        return s.OverviewSerializer(data).data


class BreakdownView(StatsView):
    breakdown = ""

    def answer(self, request, clock):
        f = self.get_filters()
        rows = selectors.BREAKDOWNS[self.breakdown](f, clock)
        if self.breakdown in selectors.COLOURED:
            selectors.attach_statuses(rows, selectors.COLOURED[self.breakdown], clock.today)
        rows = order_rows(rows, request.query_params.get("ordering"), self.breakdown)
        return self.page(rows, clock, lambda page: s.ROW_SERIALIZERS[self.breakdown](page, many=True).data)


def breakdown_schema(breakdown: str, summary):
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=DESCRIPTION,
        parameters=[*FILTERS, ordering_parameter(breakdown), *PAGING],
        responses=s.page_of(
            f"{breakdown.title()}BreakdownSerializer", s.ROW_SERIALIZERS[breakdown](many=True, read_only=True)
        ),
    )


@breakdown_schema("reform", _("By reform"))
class ReformBreakdownView(BreakdownView):
    breakdown = "reform"


@breakdown_schema("unit", _("By responsible unit, as lead and as co-unit"))
class UnitBreakdownView(BreakdownView):
    breakdown = "unit"


@breakdown_schema("city", _("By target city"))
class CityBreakdownView(BreakdownView):
    breakdown = "city"


@breakdown_schema("batch", _("By batch"))
class BatchBreakdownView(BreakdownView):
    breakdown = "batch"


@breakdown_schema("category", _("By category"))
class CategoryBreakdownView(BreakdownView):
    breakdown = "category"


@breakdown_schema("scope", _("By promotion scope"))
class ScopeBreakdownView(BreakdownView):
    breakdown = "scope"


@extend_schema(
    tags=TAGS,
    summary=_("Reform × city matrix"),
    description=format_lazy(
        "{}\n\n{}",
        _(
            "One row per reform (paged, ordered like the reform breakdown); `cities` lists the columns, and each "
            "row's `cells` holds the target of each column's city (null: not a target city)."
        ),
        DESCRIPTION,
    ),
    parameters=[*FILTERS, ordering_parameter("reform"), *PAGING, CLAIMS_PARAMETER],
    responses=s.MatrixSerializer,
)
class MatrixView(StatsView):
    def answer(self, request, clock):
        f = self.get_filters()
        rows = selectors.attach_statuses(selectors.BREAKDOWNS["reform"](f, clock), SubjectKind.REFORM, clock.today)
        rows = order_rows(rows, request.query_params.get("ordering"), "reform")
        cities = selectors.attach_statuses(selectors.BREAKDOWNS["city"](f, clock), SubjectKind.CITY, clock.today)

        def results(page) -> list:
            cells = selectors.matrix_cells(f, [row.key for row in page], clock.today)
            if wants_claims(request):
                attach_claims(cells, latest_claims([row.key for row in page], f.city_ids))
            for row in page:
                row.extra["cells"] = [cells.get((row.key, city.key)) for city in cities]
            return s.MatrixRowSerializer(page, many=True).data

        return self.page(rows, clock, results, cities=s.CityRowSerializer(cities, many=True).data)


INTERVAL = OpenApiParameter(
    "interval", str, enum=Interval.values, description=_("week or month (default: month)"), default=Interval.MONTH
)


@extend_schema(
    tags=TAGS,
    summary=_("Completions over time"),
    description=format_lazy(
        "{}\n\n{}",
        _(
            "Targets done per week or month, by the day their status became done, with the running count and the "
            "running completion rate (running done ÷ today's applicable targets). Without dates: from the first "
            "completion to today."
        ),
        DEFINITIONS["filters"],
    ),
    parameters=[*FILTERS, INTERVAL],
    responses=s.TrendSerializer,
)
class TrendView(StatsView):
    def answer(self, request, clock):
        interval = request.query_params.get("interval") or Interval.MONTH
        if interval not in Interval.values:
            raise ValidationError({"interval": [_("Use week or month.")]})
        f = self.get_filters()
        line = selectors.completions_trend(f, clock, interval=interval)
        data = {"as_of": clock.state.refreshed_at, "generated_at": timezone.now(), **vars(line)}
        return s.TrendSerializer(data).data


@extend_schema(
    tags=TAGS,
    summary=_("Missing reports"),
    description=format_lazy("{}\n\n{}", DEFINITIONS["reports_missing"], DEFINITIONS["filters"]),
    parameters=[*FILTERS, *PAGING],
    responses=s.page_of("MissingReportPageSerializer", s.MissingReportSerializer(many=True, read_only=True)),
)
class MissingReportsView(StatsView):
    def answer(self, request, clock):
        f = self.get_filters()
        context = {"as_of_date": clock.as_of_date}
        return self.page(
            selectors.missing_reports(f, clock),
            clock,
            lambda page: s.MissingReportSerializer(page, many=True, context=context).data,
        )


class LedgerView(StatsView):
    file_format = "xlsx"

    def perform_content_negotiation(self, request, force=False):
        # The file whatever the client accepts; errors still come as JSON.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request):
        f, clock = self.get_filters(), selectors.clock_now()
        ledger = ledger_build(f, clock)
        stamp = timezone.localtime(ledger.generated_at).strftime("%Y%m%d-%H%M")
        if self.file_format == "csv":
            response = HttpResponse(ledger_csv(ledger), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(ledger_xlsx(ledger), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.{self.file_format}"'
        response["Cache-Control"] = "private, no-store"
        return response


LEDGER_DESCRIPTION = _(
    "The ledger (台账) of the filtered reforms: the columns `manage.py reforms_import` reads (a one-batch ledger "
    "imports back unchanged), then lead unit, targets done and total, completion rate, last report and status "
    "colour. The workbook's second sheet is the reform × city matrix."
)


@extend_schema(
    tags=TAGS,
    summary=_("Ledger as an Excel workbook"),
    description=LEDGER_DESCRIPTION,
    parameters=FILTERS,
    responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), 400: error_response(_("Bad filter"))},
)
class LedgerXlsxView(LedgerView):
    file_format = "xlsx"


@extend_schema(
    tags=TAGS,
    summary=_("Ledger as CSV"),
    description=LEDGER_DESCRIPTION,
    parameters=FILTERS,
    responses={
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
        400: error_response(_("Bad filter")),
    },
)
class LedgerCsvView(LedgerView):
    file_format = "csv"
