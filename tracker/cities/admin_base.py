"""What the cities' two admin modules share (admin.py: submissions; admin_applications.py: applications): kept
apart so that neither imports the other."""

from django.contrib import admin
from django.contrib.admin.utils import construct_change_message

from core.admin import RefusalShownAgainMixin


class ReadOnlyInline(admin.TabularInline):
    """History and stored files: shown with their owner, never added or changed here (the services write them)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ServiceSaveMixin(RefusalShownAgainMixin):
    """A ModelAdmin whose save_related() writes through the services and raises Rejected on a refusal: the
    changeform's transaction rolls back, files already stored are removed (files_removed_on_failure), and the same
    POST is validated again with the refusal on the form (core.admin.RefusalShownAgainMixin)."""

    def get_inline_instances(self, request, obj=None):
        # History and stored files belong to an existing row; the add page has neither.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        pass  # save_related() writes through the services

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines are read-only and never saved by their formsets: the form's own changes are the message.
        return construct_change_message(form, [], add)

    @staticmethod
    def saved(form, obj) -> None:
        """Point the form's instance (which Django logs, messages and redirects with) at the row the service wrote."""
        form.instance.pk = obj.pk
        form.instance.refresh_from_db()
        form.instance._state.adding = False
