from rest_framework.permissions import DjangoModelPermissions

from core import access


class ScopedModelPermissions(DjangoModelPermissions):
    """Model permissions, checked after the scope on detail routes: a report outside one's scope answers 404 for
    every role, also for one that may not write at all (a consumer), and a report in scope but not writable by the
    role answers 403. Who may do what to which report is then the services' call."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        # The roles and the model permissions in one query (core.access), before DRF asks ModelBackend for them.
        access.load_roles(request.user)
        if getattr(view, "detail", False):
            return True  # decided by has_object_permission() once get_object() found the report in scope
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj):
        return super().has_permission(request, view)
