from django.urls import path

from . import views

app_name = "account"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("set-password/done/", views.SetPasswordDoneView.as_view(), name="set-password-done"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set-password"),
]
