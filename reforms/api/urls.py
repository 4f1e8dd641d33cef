from rest_framework.routers import DefaultRouter

from . import views

app_name = "reforms-api"

router = DefaultRouter()
router.register("batches", views.BatchViewSet, basename="batch")
router.register("reforms", views.ReformViewSet, basename="reform")

urlpatterns = router.urls
