"""The API's page-number pagination."""

from __future__ import annotations

import re

from django.core.paginator import InvalidPage, Paginator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from config.pagination import PAGE_SIZE, CountedPaginator

MAX_PAGE_SIZE = 100


_POSITIVE = re.compile(r"[1-9][0-9]{0,8}")


class Pagination(PageNumberPagination):
    """``page`` (from 1) and ``page_size`` (1 to 100; 20 by default, as the search page).

    A page number or size that is not a whole number in range answers 400; a page past the
    last one 404. Lists that already counted their total pass it in, so it is not counted
    twice.
    """

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not _POSITIVE.fullmatch(raw) or int(raw) > self.max_page_size:
            raise ValidationError(
                {"page_size": [f"A page size is a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def paginate_queryset(self, queryset, request: Request, view=None, total: int | None = None):
        page_size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        if not _POSITIVE.fullmatch(raw):
            raise ValidationError({"page": ["A page number is a whole number from 1."]})
        if total is None:
            paginator = Paginator(queryset, page_size)
        else:
            paginator = CountedPaginator(queryset, page_size, total)
        try:
            self.page = paginator.page(int(raw))
        except InvalidPage:
            raise NotFound(
                f"There is no page {raw}: the last page is {paginator.num_pages}."
            ) from None
        self.request = request
        return list(self.page)
