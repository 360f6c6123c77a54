from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from lessons.search.query import ParsedQuery


class SearchBackend:
    """What every backend provides."""

    vendor = ""

    def matching(self, queryset: QuerySet, parsed: ParsedQuery) -> QuerySet:
        """Restrict to lessons matching the query, annotated with ``search_rank``."""
        raise NotImplementedError

    def snippets(self, lesson_ids: list[int], parsed: ParsedQuery) -> dict[int, str]:
        """Safe HTML snippets with the matched words in <mark>, for one page of results."""
        raise NotImplementedError

    def ranked_ids(
        self, queryset: QuerySet, parsed: ParsedQuery, start: int, stop: int, total: int
    ) -> list[int]:
        """Ids of the matches ``start:stop`` in relevance order (``queryset`` = ``matching``)."""
        ordered = queryset.order_by("-search_rank", "-published_at", "-pk")
        return list(ordered.values_list("id", flat=True)[start:stop])

    def index(self, lesson_ids: Iterable[int] | None) -> None:
        """(Re)index the given lessons, or every lesson when ``None``."""
        raise NotImplementedError

    def unindex(self, lesson_ids: Iterable[int]) -> None:
        raise NotImplementedError


def lesson_content_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    from lessons.models import Lesson

    return ContentType.objects.get_for_model(Lesson).id
