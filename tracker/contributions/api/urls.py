from rest_framework.routers import DefaultRouter

from . import views

app_name = "contributions-api"

router = DefaultRouter()
router.register("contributions", views.ContributionViewSet, basename="contribution")
router.register(
    r"contributions/(?P<contribution_id>[0-9]+)/attachments",
    views.ContributionAttachmentViewSet,
    basename="contribution-attachment",
)
# The lead unit's view of one report: what its co-units contributed, and who has not yet.
router.register(
    r"reports/(?P<report_id>[0-9]+)/contributions", views.ReportContributionsViewSet, basename="report-contribution"
)

urlpatterns = router.urls
