"""Admin of co-unit contributions (pages.py) and the inline the lead's report page shows them in (report_inline.py)."""

from tracker.admin.reports import ProgressReportAdmin

from .pages import ContributionAdmin
from .report_inline import ReportContributionsInline

# The lead's report page shows the co-units' contributions after its city lines; tracker's admin imports nothing of
# this app, so the app adds its panel itself.
if ReportContributionsInline not in ProgressReportAdmin.inlines:
    ProgressReportAdmin.inlines = [
        *ProgressReportAdmin.inlines[:1],
        ReportContributionsInline,
        *ProgressReportAdmin.inlines[1:],
    ]

__all__ = ["ContributionAdmin", "ReportContributionsInline"]
