"""The API's page-number pagination and the `ordering` documentation every list shares (units, reforms, tracker)."""

import re

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """PAGE_SIZE rows by default; a client listing a whole batch in one go may ask for up to 200."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        # DRF falls back to the default on a malformed page_size; the schema says a positive integer, so say 400.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not re.fullmatch(r"[0-9]{1,9}", raw.strip() or "x"):
            raise ValidationError({self.page_size_query_param: [_("A valid integer is required.")]})
        return super().get_page_size(request)


def ordering_schema(*fields: str):
    """Document the `ordering` values a list accepts; OrderingFilter alone only says "a field"."""
    parameter = OpenApiParameter(
        "ordering",
        str,
        description=format_lazy(
            "{}: {}", _("Sort by one or more of these fields, comma-separated, - for descending"), ", ".join(fields)
        ),
    )
    return extend_schema_view(list=extend_schema(parameters=[parameter]))
