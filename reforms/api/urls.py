app_name = "reforms-api"
urlpatterns: list = []
