from rest_framework.routers import DefaultRouter

from . import views

app_name = "units-api"

router = DefaultRouter()
router.register("cities", views.CityViewSet, basename="city")
router.register("units", views.UnitViewSet, basename="unit")

urlpatterns = router.urls
