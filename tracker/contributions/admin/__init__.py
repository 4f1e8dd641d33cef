"""Admin of co-unit contributions (pages.py) and the inline the lead's report page shows them in (report_inline.py)."""

from .pages import ContributionAdmin
from .report_inline import ReportContributionsInline

__all__ = ["ContributionAdmin", "ReportContributionsInline"]
