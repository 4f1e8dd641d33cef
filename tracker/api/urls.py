from rest_framework.routers import DefaultRouter

from . import views

app_name = "tracker-api"

router = DefaultRouter()
router.register("periods", views.ReportingPeriodViewSet, basename="period")
router.register("reports", views.ProgressReportViewSet, basename="report")
# Nested under its report; the regex prefix keeps one router per app and needs no nested-router library.
router.register(r"reports/(?P<report_id>[0-9]+)/attachments", views.AttachmentViewSet, basename="report-attachment")

urlpatterns = router.urls
