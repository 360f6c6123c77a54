"""Page sizes and a paginator that does not count twice."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

PAGE_SIZE = 20


class CountedPaginator(Paginator):
    """A paginator that reuses a total counted once, instead of counting again."""

    def __init__(self, object_list, per_page: int, total: int):
        super().__init__(object_list, per_page)
        self._total = total

    @cached_property
    def count(self) -> int:
        return self._total
