"""Pagination that stays cheap on tables of a million rows.

``COUNT(*)`` over a county's patrols (about 1,000,000 rows, seen through the region's reaches)
takes 0.6-1 s, many times the page itself, which an index on the list's order reads in a few
milliseconds. So lists count at most ``COUNT_CAP`` rows (``SELECT count(*) FROM (SELECT id ...
LIMIT cap + 1)``): the count is exact up to the cap; beyond it the paginator says so
(``capped``), reports the cap as the count, and still serves any page, telling whether another
follows by reading one row more. The API adds ``"count_capped": true`` to such an answer; the
pages write "共 10,000 条以上". Deep pages (an OFFSET of hundreds of thousands) stay slow by
nature: narrow the list with its filters instead.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

# Rows counted at most; past it a list says "more than 10,000".
COUNT_CAP = 10_000


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self._more = more

    def has_next(self) -> bool:
        return self._more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class CappedPaginator(DjangoPaginator):
    """A Django paginator whose count stops at ``cap`` (see the module's docstring)."""

    cap = COUNT_CAP

    @cached_property
    def capped(self) -> bool:
        return self._counted > self.cap

    @cached_property
    def _counted(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            return rows.order_by().values("pk")[: self.cap + 1].count()
        return len(rows)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
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
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = CappedPaginator

    def get_page_size(self, request):
        # DRF falls back to the default size for a malformed page_size; refuse it instead, so a
        # client's mistake shows (a size over max_page_size is still capped).
        raw = request.query_params.get(self.page_size_query_param)
        if raw:
            try:
                pagination._positive_int(raw, strict=True)
            except ValueError:
                raise ValidationError(
                    {self.page_size_query_param: [_("请输入一个正整数。")]}
                ) from None
        return super().get_page_size(request)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if getattr(self.page.paginator, "capped", False):
            # ``count`` stopped at the cap: there are more rows than it says.
            response.data["count_capped"] = True
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"present (true) when more than {COUNT_CAP} rows match: "
            "count then stops at the cap",
        }
        return schema
