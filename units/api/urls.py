app_name = "units-api"
urlpatterns: list = []
