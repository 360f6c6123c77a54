"""Full-text search over lessons: one interface, a backend per database (docs/architecture.md).

Views and filters only call the functions at the bottom of this module (``matching``,
``snippets``, ``index_lessons``, ...). Each backend keeps its own index in step with the
lesson table; the signal handlers in ``lessons.signals`` and the bulk loader call
``index_lessons`` after every write. A search-engine backend could be added here later
without touching any view.

Query syntax is the web's: words (all required), "exact phrase", -excluded, ``or``; a
hyphenated word also stands for its joined form ("wi-fi", "wifi"). Bad syntax never errors:
it degrades to plain words. The index holds a lesson's texts, tags, category, project and
phase.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import FloatField, QuerySet, Value

from lessons.search.backends import backend
from lessons.search.query import ParsedQuery, parse_query
from lessons.search.suggest import suggest
from lessons.text import STOP_WORDS, significant_words

# -- the interface the rest of Hindsight uses ------------------------------------------


def matching(queryset: QuerySet, raw_query: str) -> QuerySet:
    """Lessons of ``queryset`` that match ``raw_query``, annotated with ``search_rank``."""
    parsed = parse_query(raw_query)
    if parsed.is_empty:
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
    return backend().matching(queryset, parsed)


class RankedResults:
    """Matches in relevance order, fetched a page at a time (for a Paginator)."""

    def __init__(self, queryset: QuerySet, raw_query: str, total: int):
        self.queryset = queryset
        self.parsed = parse_query(raw_query)
        self.total = total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, bounds: slice) -> list:
        ids = backend().ranked_ids(
            self.queryset, self.parsed, bounds.start or 0, bounds.stop, self.total
        )
        by_id = {
            lesson.pk: lesson
            for lesson in self.queryset.model.objects.filter(pk__in=ids).for_cards()
        }
        return [by_id[pk] for pk in ids if pk in by_id]


def snippets(lesson_ids: list[int], raw_query: str) -> dict[int, str]:
    return backend().snippets(lesson_ids, parse_query(raw_query))


def index_lessons(lesson_ids: Iterable[int] | None = None) -> None:
    backend().index(lesson_ids)


def unindex_lessons(lesson_ids: Iterable[int]) -> None:
    backend().unindex(lesson_ids)


def similar(queryset: QuerySet, text: str, limit: int = 5, pool: int = 300) -> QuerySet:
    """Lessons of ``queryset`` sharing the most significant words of ``text``, best first.

    Only the first ``pool`` matches are ranked: related lessons need not be the very best
    of tens of thousands of matches, and ranking reads each candidate's whole vector.
    """
    words = significant_words(text)[:12]
    if not words:
        return queryset.none()
    parsed = ParsedQuery(groups=[[[word]] for word in words])
    matches = backend().matching(queryset, parsed)
    candidates = list(matches.order_by().values_list("id", flat=True)[:pool])
    ranked = backend().matching(queryset.filter(id__in=candidates), parsed)
    return ranked.order_by("-search_rank", "-pk")[:limit]


__all__ = [
    "STOP_WORDS",
    "ParsedQuery",
    "index_lessons",
    "matching",
    "parse_query",
    "similar",
    "snippets",
    "suggest",
    "unindex_lessons",
]
