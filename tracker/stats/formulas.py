"""The written rules: expected progress (序时进度), "due soon", and the status colour. Definitions in definitions.py."""

import datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from .choices import COLOUR_RANK, StatusColour, Trend
from .definitions import DUE_SOON_WORKING_DAYS

if TYPE_CHECKING:
    from .selectors.figures import Figures


def elapsed_share(issued_on: datetime.date | None, deadline: datetime.date | None, today: datetime.date) -> Fraction:
    """The share of [issued_on, deadline] elapsed by `today`, between 0 and 1; 0 without both dates."""
    if issued_on is None or deadline is None:
        return Fraction(0)
    if deadline <= issued_on:
        return Fraction(1 if today >= deadline else 0)
    share = Fraction((today - issued_on).days, (deadline - issued_on).days)
    return min(max(share, Fraction(0)), Fraction(1))


def due_soon_until(today: datetime.date) -> datetime.date:
    """The last day that still counts as "due soon": the DUE_SOON_WORKING_DAYS-th working day after today, by the
    reminders' calendar (weekends, statutory holidays and 调休 make-up working days, with the office's corrections).
    Reads that calendar's corrections for the years touched: the refresh computes it once a day."""
    from tracker.reminders.calendar import WorkingCalendar

    return WorkingCalendar().add_working_days(today, DUE_SOON_WORKING_DAYS)


def colour_of(figures: "Figures") -> StatusColour:
    """Red: missing reports or overdue targets. Yellow: behind expected progress, or something due soon. Else green."""
    if figures.reports_missing or figures.overdue_targets:
        return StatusColour.RED
    if figures.behind_schedule or figures.reports_due_soon or figures.targets_due_soon:
        return StatusColour.YELLOW
    return StatusColour.GREEN


def trend_of(current: str | None, previous: str | None) -> str | None:
    if not current or not previous:
        return None
    now, before = COLOUR_RANK[StatusColour(current)], COLOUR_RANK[StatusColour(previous)]
    if now == before:
        return Trend.SAME
    return Trend.BETTER if now > before else Trend.WORSE
