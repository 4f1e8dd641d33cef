from rest_framework.routers import DefaultRouter

from . import application_views, views

app_name = "cities-api"

router = DefaultRouter()
router.register("items", views.CityItemViewSet, basename="item")
router.register("targets", views.RolloutTargetViewSet, basename="target")
router.register("submissions", views.CitySubmissionViewSet, basename="submission")
# Nested under its owner; the regex prefix keeps one router per app (as tracker's attachments).
router.register(
    r"submissions/(?P<submission_id>[0-9]+)/evidence", views.SubmissionEvidenceViewSet, basename="submission-evidence"
)
router.register("applications", application_views.CityApplicationViewSet, basename="application")
router.register(
    r"applications/(?P<application_id>[0-9]+)/evidence",
    application_views.ApplicationEvidenceViewSet,
    basename="application-evidence",
)

urlpatterns = router.urls
