"""The add page of a report, for a reporter on a phone: choices narrowed to the reform picked (?reform=), and what has
one answer picked for them."""

from django.db.models import Exists, OuterRef

from reforms.models import Reform
from units.models import Unit

from ..models import ProgressReport, ReportingPeriod
from ..reminders.models import Obligation


def reform_of_add_page(request) -> Reform | None:
    """The reform the add page was opened for (?reform=<id>), if the user may file on it."""
    raw = request.GET.get("reform", "")
    if not raw.isdigit():
        return None
    return Reform.objects.restrict(request.user).filter(pk=int(raw)).first()


def narrowing_reform(request) -> Reform | None:
    """The reform whose choices the add page offers. Only when showing the page: a POST is checked against all the
    user's choices, so that a period or unit that does not go with the reform gets the model's own message."""
    return reform_of_add_page(request) if request.method == "GET" else None


def unit_choices(request):
    """The user's units; once the add page knows its reform (?reform=), only those responsible for it."""
    units = Unit.objects.restrict(request.user, "file")
    reform = narrowing_reform(request)
    return units.filter(responsibilities__reform=reform) if reform is not None else units


def period_choices(request):
    """Periods of the user's reforms' batches; once the add page knows its reform, only its batch's."""
    reform = narrowing_reform(request)
    batches = [reform.batch_id] if reform is not None else Reform.objects.restrict(request.user).values("batch")
    return ReportingPeriod.objects.filter(batch__in=batches).select_related("batch")


def period_owed(reform: Reform, unit_id: int) -> int | None:
    """The period of the unit's earliest unmet obligation on the reform that has no report yet, if any."""
    filed = ProgressReport.objects.filter(reform=reform, unit_id=unit_id, period=OuterRef("period"))
    return (
        Obligation.objects.unmet()
        .filter(kind="report", reform=reform, unit_id=unit_id)
        .exclude(Exists(filed))
        .order_by("due_on")
        .values_list("period_id", flat=True)
        .first()
    )


def add_page_initial(request, given: dict) -> dict:
    """Initial unit and period of the add page, on top of what its URL gives: the unit when only one of the
    user's units is responsible for the reform; the period the unit owes first (its earliest unmet obligation
    without a report), or else the batch's only period."""
    initial = dict(given)
    if not initial.get("unit"):
        units = list(unit_choices(request).values_list("pk", flat=True)[:2])
        if len(units) == 1:
            initial["unit"] = units[0]
    reform = reform_of_add_page(request)
    if reform is None or initial.get("period"):
        return initial
    period = period_owed(reform, initial["unit"]) if initial.get("unit") else None
    if period is None:
        periods = list(period_choices(request).values_list("pk", flat=True)[:2])
        period = periods[0] if len(periods) == 1 else None
    if period is not None:
        initial["period"] = period
    return initial
