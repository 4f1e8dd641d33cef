from rest_framework.routers import DefaultRouter

from . import views

app_name = "cities-api"

router = DefaultRouter()
router.register("targets", views.RolloutTargetViewSet, basename="target")
router.register("submissions", views.CitySubmissionViewSet, basename="submission")
# Nested under its owner; the regex prefix keeps one router per app (as tracker's attachments).
router.register(
    r"submissions/(?P<submission_id>[0-9]+)/evidence", views.SubmissionEvidenceViewSet, basename="submission-evidence"
)

urlpatterns = router.urls
