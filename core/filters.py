"""The `<fk>_id` filter of every list and statistic: ids are checked to be database ids before any query.

django-filter's ModelMultipleChoiceFilter hands the value to the database as it comes: an id past the 64-bit range
overflows SQLite's integer binding (a 500), and "²" is not refused by Python's int(). Here an id is 1 to
2^63 − 1 in ASCII digits, or the filter answers 400 with a message per value; an unknown id stays a 400 ("not
one of the available choices"), as before.
"""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_DIGITS = re.compile(r"[0-9]{1,19}")


def is_id(value) -> bool:
    text = str(value).strip()
    return bool(_DIGITS.fullmatch(text)) and 1 <= int(text) <= MAX_ID


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if not is_id(pk):
                raise ValidationError(
                    _("“%(pk)s” is not an id: use a whole number from 1 to %(max)s.") % {"pk": pk, "max": MAX_ID},
                    code="invalid_pk_value",
                )
        return super()._check_values([str(pk).strip() for pk in value])


# The schema of one value: django-filter's extension makes it an array, a multiple filter being repeatable.
@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.ModelMultipleChoiceFilter):
    """`<fk>_id=1&<fk>_id=2`: the rows related to any of these ids (which must exist)."""

    field_class = IdMultipleChoiceField


class StrictNullBooleanField(forms.NullBooleanField):
    """true/false (or 1/0, True/False); anything else is refused rather than read as "no filter"."""

    ACCEPTED = {"true", "false", "1", "0", "True", "False"}
    # A text input hands the raw value to to_python(); NullBooleanSelect would turn "null" into None first.
    widget = forms.TextInput

    def to_python(self, value):
        if value not in (None, "") and not isinstance(value, bool) and value not in self.ACCEPTED:
            raise ValidationError(_("Use true or false."), code="invalid")
        return super().to_python(value)


class BooleanFilter(django_filters.BooleanFilter):
    """django-filter's BooleanFilter, but `?needs_verification=null` is a 400 instead of no filter."""

    field_class = StrictNullBooleanField


# Query parameters of every list that are no filter: pagination, ordering, the renderer's format.
NOT_FILTERS = frozenset({"page", "page_size", "cursor", "ordering", "format"})


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, except that a request with no filter parameter at all gets its queryset back as it
    is, without the FilterSet: building and validating its form (a deep copy of every field, a clean of every empty
    value) was 1.5-3 ms of an unfiltered list page's CPU (issue 11), for a queryset every filter leaves unchanged
    when its value is empty. A view's `query_flags` (core.params: `?city_lines=1` on the reports list) are no filter
    either. Any other parameter, a filter's or not, goes through the FilterSet as before."""

    def filter_queryset(self, request, queryset, view):
        if NOT_FILTERS.union(getattr(view, "query_flags", ())).issuperset(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
