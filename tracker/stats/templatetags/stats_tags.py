"""Small filters for the dashboard: labels of colours and statuses, rates as percentages."""

from django import template

from reforms.choices import TargetStatus

from ..choices import StatusColour, Trend

register = template.Library()


@register.filter
def colour_label(value: str | None) -> str:
    return str(StatusColour(value).label) if value in StatusColour.values else "—"


@register.filter
def status_label(value: str | None) -> str:
    return str(TargetStatus(value).label) if value in TargetStatus.values else ""


@register.filter
def trend_arrow(value: str | None) -> str:
    return {Trend.BETTER: "↑", Trend.SAME: "→", Trend.WORSE: "↓"}.get(value, "")


@register.filter
def percent(value, digits: int = 1) -> str:
    """A share (0–1, a Fraction or None) as a percentage: 37.5%; "—" when undefined."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"
