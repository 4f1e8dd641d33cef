"""The office's dashboard: the API's figures on one printable page, with the same filters and the same selectors."""

from dataclasses import replace

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.generic import TemplateView

from core.access import figure_unit_ids
from reforms.choices import Category, Scope, TargetStatus
from reforms.models import Batch
from tracker.models import ReportingPeriod
from units.models import City, Unit

from . import selectors
from .charts import trend_chart, unit_bars
from .choices import Interval, StatusColour, SubjectKind
from .definitions import DEFINITIONS, STALE_AFTER
from .filtersets import stats_filters
from .selectors.breakdowns import city_rows, filtered_reforms, reform_rows, unit_rows
from .selectors.ordering import order_rows
from .selectors.participation import attach_claims, latest_claims

# The heatmap shows this many reforms; the ledger export has them all.
HEATMAP_ROWS = 200
MISSING_ROWS = 30
FILTER_NAMES = ("batch_id", "category", "scope", "unit_id", "city_id", "period", "date_from", "date_to", "interval")


def admin_url(name: str, *args) -> str:
    """A link into the admin (every page the dashboard links to is registered)."""
    return reverse(f"admin:{name}", args=args)


class DashboardView(LoginRequiredMixin, TemplateView):
    """Overview numbers, the reform × city heatmap, completion by unit, what is overdue, and the trend.

    Signed-in users only; unit staff see their own units' figures (the scope of the API), others get 403.
    """

    template_name = "stats/dashboard.html"

    def get_context_data(self, **kwargs):
        request = self.request
        own_units = figure_unit_ids(request.user)
        errors = {}
        try:
            f = stats_filters(request.user, request.GET)
        except ValidationError as exc:
            errors = exc.message_dict
            f = stats_filters(request.user, {})
        interval = request.GET.get("interval") if request.GET.get("interval") in Interval.values else Interval.MONTH
        clock = selectors.clock_now()
        today = clock.today

        reforms = selectors.attach_statuses(reform_rows(f, clock), SubjectKind.REFORM, today)
        reforms = order_rows(reforms, None, "reform")
        cities = selectors.attach_statuses(city_rows(f, clock), SubjectKind.CITY, today)
        units = selectors.attach_statuses(unit_rows(f, clock), SubjectKind.UNIT, today)
        units = order_rows(units, "-completion_rate,name", "unit")
        shown = reforms[:HEATMAP_ROWS]
        cells = selectors.matrix_cells(f, [row.key for row in shown], today)
        # Opt-in (issue 12): each city's latest claim beside the confirmed status, one query more.
        show_claims = request.GET.get("claims") == "1"
        if show_claims:
            attach_claims(cells, latest_claims([row.key for row in shown], f.city_ids))
        for row in shown:
            row.extra["cells"] = [cells.get((row.key, city.key)) for city in cities]
            row.extra["url"] = admin_url("reforms_reform_change", row.key)
        missing = selectors.missing_reports(f, clock)
        # The office chases from this list: all of it on request (?missing=all), the first rows otherwise.
        show_all_missing = request.GET.get("missing") == "all"
        missing_rows = list(missing if show_all_missing else missing[:MISSING_ROWS])
        for fact in missing_rows:
            fact.days_overdue = (clock.as_of_date - fact.due_on).days
            fact.reform_url = admin_url("reforms_reform_change", fact.reform_id)
            fact.report_url = admin_url("tracker_progressreport_change", fact.report_id) if fact.report_id else None
        trend = self.trend(f, clock, interval, errors)
        result = selectors.overview(f, clock)
        state = clock.state
        query = request.GET.copy()
        query.pop("interval", None)
        query.pop("missing", None)
        missing_all = request.GET.copy()
        missing_all["missing"] = "all"
        choices = self.filter_choices(own_units)
        return {
            **super().get_context_data(**kwargs),
            "overview": result.figures,
            "target_cities": result.target_cities,
            "colour_counts": selectors.colour_counts(filtered_reforms(f), today),
            "reforms": shown,
            "reforms_hidden": len(reforms) - len(shown),
            "overdue_reforms": [row for row in reforms if row.figures.overdue_targets],
            "cities": cities,
            "units": units,
            "unit_chart": unit_bars(units),
            "missing": missing_rows,
            "missing_count": missing.count(),
            "missing_all_query": missing_all.urlencode(),
            "obligations_url": None if own_units is not None else admin_url("reminders_obligation_changelist"),
            "trend": trend,
            "trend_chart": trend_chart(trend),
            "trend_chart_narrow": trend_chart(trend, width=360, height=240, labels=4),
            "interval": interval,
            "errors": errors,
            "as_of": state.refreshed_at,
            "stale": state.refreshed_at is None or timezone.now() - state.refreshed_at > STALE_AFTER,
            "generated_at": timezone.now(),
            "definitions": DEFINITIONS,
            "choices": choices,
            "selected": {name: request.GET.get(name, "") for name in FILTER_NAMES},
            "show_claims": show_claims,
            "applied": [] if errors else self.applied_filters(request.GET, choices),
            "query": query.urlencode(),
            "statuses": TargetStatus,
            "colours": StatusColour,
            "is_unit_scope": own_units is not None,
            "admin_index": admin_url("index"),
        }

    @staticmethod
    def trend(f, clock, interval: str, errors: dict):
        """The completions trend, by default from the day the (filtered, else the first) batch was issued: a batch
        runs for months, and its first completions are part of the story."""
        if f.date_from is None:
            issued = Batch.objects.filter(issued_on__isnull=False)
            if f.batch_ids is not None:
                issued = issued.filter(pk__in=f.batch_ids)
            first_issued = issued.order_by("issued_on").values_list("issued_on", flat=True).first()
            if first_issued is not None and first_issued <= clock.today:
                try:
                    return selectors.completions_trend(replace(f, date_from=first_issued), clock, interval=interval)
                except ValidationError:
                    pass  # too many weeks since then: the latest points, as without a start
            return selectors.completions_trend(f, clock, interval=interval)
        try:
            return selectors.completions_trend(f, clock, interval=interval)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            return selectors.completions_trend(replace(f, date_from=None), clock, interval=interval)

    @staticmethod
    def applied_filters(params, choices: dict) -> list[tuple[str, str]]:
        """The filters in force, as the page says them (and prints them: the form itself is not printed)."""
        labels = {
            "batch_id": (_("Batch"), {str(k): v for k, v in choices["batches"]}),
            "category": (_("Category"), dict(choices["categories"])),
            "scope": (_("Promotion scope"), dict(choices["scopes"])),
            "unit_id": (_("Unit"), {str(k): v for k, v in choices["units"]}),
            "city_id": (_("City"), {str(k): v for k, v in choices["cities"]}),
            "period": (_("Reporting period"), {}),
            "date_from": (pgettext("statistics", "From"), {}),
            "date_to": (pgettext("statistics", "To"), {}),
        }
        applied = []
        for name, (label, names) in labels.items():
            value = (params.get(name) or "").strip()
            if value:
                applied.append((label, str(names.get(value, value))))
        return applied

    @staticmethod
    def filter_choices(own_units) -> dict:
        units = Unit.objects.filter(responsibilities__isnull=False).distinct().order_by("name")
        if own_units is not None:
            units = units.filter(id__in=own_units)
        return {
            "batches": list(Batch.objects.order_by("-issued_on", "code").values_list("id", "title")),
            "categories": Category.choices,
            "scopes": Scope.choices,
            "units": list(units.values_list("id", "name")),
            "cities": list(City.objects.order_by("code").values_list("id", "name")),
            "periods": list(ReportingPeriod.objects.order_by("-code").values_list("code", flat=True).distinct()),
            "intervals": Interval.choices,
        }
