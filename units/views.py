"""The account pages outside the admin: signing in for every role, and choosing a password from an e-mailed link.

The admin's own sign-in admits staff only; read-only API consumers are not staff (they have no admin pages) but may
open the dashboard, so they sign in here. The pages reuse the admin's templates and header, so they look like the
rest of the service.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class AdminLookMixin:
    """The admin site's header, titles and language switcher on a page that is not an admin view."""

    def get_context_data(self, **kwargs):
        # No sidebar: it lists the admin's models, and these pages are also for people with no admin pages.
        context = {**admin.site.each_context(self.request), "is_nav_sidebar_enabled": False}
        return {**context, **super().get_context_data(**kwargs)}


class SignInView(AdminLookMixin, auth_views.LoginView):
    """Sign-in for every active account; staff go on to the admin, everyone else to the dashboard."""

    template_name = "admin/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # admin/login.html posts to `app_path`; keeping `next` in it returns the user where they were headed.
        return {**super().get_context_data(**kwargs), "app_path": self.request.get_full_path(), "title": _("Sign in")}

    def get_default_redirect_url(self):
        if self.request.user.is_staff:
            return resolve_url("admin:index")
        return resolve_url(settings.LOGIN_REDIRECT_URL)


class SetPasswordView(AdminLookMixin, auth_views.PasswordResetConfirmView):
    """The page a set-your-password link opens (units.invitations); the link is spent once a password is set."""

    template_name = "units/account/set_password.html"
    success_url = reverse_lazy("account:set-password-done")
    title = _("Set your password")


class SetPasswordDoneView(AdminLookMixin, auth_views.PasswordResetCompleteView):
    template_name = "units/account/set_password_done.html"
    title = _("Your password is set")
