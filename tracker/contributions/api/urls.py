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
router.register("reports", views.ReportContributionsViewSet, basename="report")

urlpatterns = router.urls
