"""The reports list's pagination: page numbers as everywhere else, with a count that stops counting at 10,000.

An exact COUNT(*) over every visible report on every page cost 74 ms of a 1-million-report list and grew with the
table (issue 11). Here the count is exact up to COUNT_LIMIT; beyond it the answer says `count: 10000` and
`count_capped: true`, and pages past the 10,000th row still exist: `next` is there as long as a row follows the page
(one row more is read to know it). Clients that follow `next` keep working; a client that computed the last page
from `count` must follow `next` instead once `count_capped` is true.
"""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.pagination import Pagination

COUNT_LIMIT = 10_000


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class CappedPaginator(Paginator):
    capped = False

    @cached_property
    def count(self) -> int:
        # SELECT COUNT(*) FROM (SELECT id ... LIMIT 10001): reads at most that many index entries, whatever the size.
        rows = self.object_list.order_by().prefetch_related(None).values("pk")[: COUNT_LIMIT + 1].count()
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
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class ReportPagination(Pagination):
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"]["description"] = str(
            _("Exact up to 10,000; when count_capped is true there are more, and next leads to them.")
        )
        result["properties"]["count_capped"] = {"type": "boolean", "example": False}
        return result
