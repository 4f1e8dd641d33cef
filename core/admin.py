"""Admin pieces shared by the apps (core imports no domain app)."""

import copy
from contextlib import contextmanager

from django.http import Http404
from django.utils.translation import gettext_lazy as _


class OutOfScopeIs404Mixin:
    """For a ModelAdmin whose get_queryset() is scoped to the user (core.access): an object outside the scope
    answers 404.

    Django's admin would redirect to the index with "… doesn't exist. Perhaps it was deleted?". A 404 is the answer
    the API gives for the same object, and like the redirect it does not tell whether the object exists. The
    change, delete and history views all fetch their object through get_object().
    """

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such object."))
        return obj


class PagePart:
    """What an app higher up adds to another app's admin page, which must not import it (reforms adds "their
    reforms" to the unit and city pages of units): list columns, inlines, and the annotations the columns read."""

    columns: tuple = ()  # functions decorated with @admin.display(ordering=...), taking the object
    inlines: tuple = ()

    def annotate(self, request, queryset):
        return queryset


class PagePartsMixin:
    """A ModelAdmin that shows the PageParts registered on it with add_part(), after its own columns and inlines."""

    parts: list[PagePart]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.parts = []  # each admin its own parts

    @classmethod
    def add_part(cls, part: PagePart) -> None:
        cls.parts.append(part)

    def get_list_display(self, request):
        return [*super().get_list_display(request), *(column for part in self.parts for column in part.columns)]

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *(inline for part in self.parts for inline in part.inlines)]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        for part in self.parts:
            queryset = part.annotate(request, queryset)
        return queryset


# Saving through services, and showing a refusal again ------------------------------------------------------------
# Three admins (tracker's reports, the cities' submissions and applications, the contributions) save through their
# services from save_related() and must show a service's refusal on the page with nothing stored.


class Rejected(Exception):
    """A service refused an admin save: carries the refusal from save_related() through the rollback to
    RefusalShownAgainMixin.changeform_view()."""

    def __init__(self, error) -> None:
        super().__init__(str(error))
        self.error = error


class RefusalShownAgainMixin:
    """For a ModelAdmin whose save_related() writes through services and raises Rejected when one refuses.

    Django's changeform_view() runs in one transaction, which the exception rolls back. The page is then built again
    from the database by a copy of this admin carrying the refusal (nothing on the request): its form class gets the
    refusal as `refusal`, whose clean() adds it as errors, so this second pass is invalid, writes nothing, and shows
    the page with the refusal and everything the user typed (files must be picked again, as a browser never refills
    a file field).
    """

    # Set only on the copy of the admin that shows a refused save again.
    refusal = None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if self.refusal is not None:
            form = type(form.__name__, (form,), {"refusal": self.refusal})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Rejected as rejected:
            page = copy.copy(self)
            page.refusal = rejected.error
            return page.changeform_view(request, object_id, form_url, extra_context)


@contextmanager
def files_removed_on_failure():
    """`with files_removed_on_failure() as written:` the block appends (storage, name) of each file it stores; if the
    block fails, the files are deleted (the rows roll back, storage is not transactional) and the error goes on."""
    written: list = []
    try:
        yield written
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
