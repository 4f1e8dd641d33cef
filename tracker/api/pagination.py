"""The reports list's pagination: page numbers as everywhere else, with a count that stops counting at 10,000, and
an opt-in cursor for clients that walk far.

An exact COUNT(*) over every visible report on every page cost 74 ms of a 1-million-report list and grew with the
table (issue 11). Here the count is exact up to COUNT_LIMIT; beyond it the answer says `count: 10000` and
`count_capped: true`, and pages past the 10,000th row still exist: `next` is there as long as a row follows the page
(one row more is read to know it). Clients that follow `next` keep working; a client that computed the last page
from `count` must follow `next` instead once `count_capped` is true.

Page n skips (n - 1) x page_size rows: off the reports alone, through an index, before the page's own rows are joined
(CappedPaginator.rows()); page 50 of the office's list at large scale costs 1.2 ms of PostgreSQL so, not 11-41 ms.
With `?cursor=` (empty: from the top) the list is read by position instead, in its default order (newest change
first): `next` carries the (updated_at, id) of the page's last row, and the next page starts below it through the
(updated_at, id) and (unit, updated_at, id) indexes, at the same cost however deep. The answer keeps its
shape (`count`, `count_capped`, `next`, `previous` always null, `results`).
"""

import datetime
import functools
import re

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.pagination import Pagination

COUNT_LIMIT = 10_000
CURSOR = "cursor"
CURSOR_FORMAT = re.compile(r"([0-9]{1,18})\.([0-9]{1,19})")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class CappedPaginator(Paginator):
    capped = False

    def __init__(self, object_list, per_page, *args, count_source=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        # The rows as a queryset without the page's joined columns: a COUNT over the list's five joins read the
        # related rows of all 10,001 reports (15 ms of a million-report office list), over the reports alone it
        # is an index-only scan (3 ms).
        self.count_source = object_list if count_source is None else count_source

    @cached_property
    def count(self) -> int:
        # SELECT COUNT(*) FROM (SELECT id ... LIMIT 10001): reads at most that many index entries, whatever the size.
        rows = self.count_source.order_by().prefetch_related(None).values("pk")[: COUNT_LIMIT + 1].count()
        self.capped = rows > COUNT_LIMIT
        return min(rows, COUNT_LIMIT)

    def validate_number(self, number):
        if self.count and not self.capped:
            return super().validate_number(number)
        # Django's own checks but the upper bound: past the capped count, page() finds out whether rows follow.
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not self.capped:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self.rows(bottom, top), number, self)
        rows = self.rows(bottom, bottom + self.per_page + 1)
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def rows(self, bottom: int, top: int) -> list:
        """Rows bottom..top of the list. Past the first page the skipped rows are counted off the reports alone, and
        only the page's own rows are joined ("deferred join"): OFFSET over the joined rows looked up the related rows
        of every skipped report (page 50 of a million-report list: 11 ms of PostgreSQL, 1.2 ms this way)."""
        if bottom == 0 or self.count_source is self.object_list:
            return list(self.object_list[bottom:top])
        return list(self.object_list.filter(pk__in=self.count_source.values("pk")[bottom:top]))


def cursor_text(updated_at: datetime.datetime, pk: int) -> str:
    """A row's position: its updated_at in microseconds since 1970 (UTC) and its id."""
    return f"{(updated_at - EPOCH) // MICROSECOND}.{pk}"


def cursor_position(text: str) -> tuple[datetime.datetime, int] | None:
    """(updated_at, id) from cursor_text(), None for the empty cursor (the top); a ValidationError in the user's
    language for anything else."""
    if text == "":
        return None
    match = CURSOR_FORMAT.fullmatch(text)
    try:
        if match is None or int(match[2]) > 2**63 - 1:
            raise ValueError(text)
        return EPOCH + int(match[1]) * MICROSECOND, int(match[2])
    except (ValueError, OverflowError):
        raise ValidationError({CURSOR: [_("Not a cursor of this list: follow the next link of a page.")]}) from None


class ReportPagination(Pagination):
    django_paginator_class = CappedPaginator
    cursor_mode = False

    def paginate_queryset(self, queryset, request, view=None, *, count_source=None):
        """`count_source`: the same rows without the columns `queryset` joins for the page (CappedPaginator)."""
        self.django_paginator_class = functools.partial(CappedPaginator, count_source=count_source)
        raw = request.query_params.get(CURSOR)
        if raw is None:
            return super().paginate_queryset(queryset, request, view)
        for other in (self.page_query_param, "ordering"):
            if other in request.query_params:
                raise ValidationError({CURSOR: [_("A cursor cannot be combined with page or ordering.")]})
        position = cursor_position(raw)
        self.cursor_mode, self.request = True, request
        page_size = self.get_page_size(request)
        self.paginator = self.django_paginator_class(queryset, page_size)
        if position is not None:
            # (updated_at, id) < position in the list's order (-updated_at, -id); the first condition bounds the
            # index range, the exclusion drops the rows at or above the position within the same instant.
            at, pk = position
            queryset = queryset.filter(updated_at__lte=at).exclude(Q(updated_at=at) & Q(id__gte=pk))
        rows = list(queryset[: page_size + 1])
        self.more = len(rows) > page_size
        return rows[:page_size]

    def next_cursor_link(self, last) -> str | None:
        if not self.more:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, CURSOR, cursor_text(*last))

    def get_paginated_response(self, data, *, last=None):
        """The page's answer; in cursor mode `last` is the (updated_at, id) of its last row."""
        if not self.cursor_mode:
            response = super().get_paginated_response(data)
            response.data["count_capped"] = self.page.paginator.capped
            return response
        count = self.paginator.count
        return Response(
            {
                "count": count,
                "next": self.next_cursor_link(last),
                "previous": None,
                "results": data,
                "count_capped": self.paginator.capped,
            }
        )

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"]["description"] = str(
            _("Exact up to 10,000; when count_capped is true there are more, and next leads to them.")
        )
        result["properties"]["count_capped"] = {"type": "boolean", "example": False}
        return result

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": CURSOR,
                "required": False,
                "in": "query",
                "description": str(
                    _(
                        "Read by position instead of page number (newest change first, the same cost however deep): "
                        "empty for the first page, then follow next. Not with page or ordering."
                    )
                ),
                "schema": {"type": "string", "pattern": r"^([0-9]{1,18}\.[0-9]{1,19})?$"},
            },
        ]
