"""Admin pieces shared by the apps (core imports no domain app)."""

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
