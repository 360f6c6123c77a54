from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, F, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

from lessons.search.backends.base import SearchBackend, _lesson_content_type_id
from lessons.search.query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ParsedQuery,
    _escape_with_highlights,
)

# Matches the expression of the GIN index lesson_title_vector_gin (migration 0006).
TITLE_VECTOR = "to_tsvector('english'::regconfig, lessons_lesson.title)"


# Below this many matches, ranking them all at once is cheaper than ranking in two steps.
RANK_ALL_BELOW = 2000


class PostgresBackend(SearchBackend):
    """A stored weighted tsvector with a GIN index; websearch_to_tsquery; ts_rank."""

    vendor = "postgresql"
    config = "english"

    def _tsquery_text(self, parsed: ParsedQuery) -> str:
        # Rebuild the query in websearch syntax from the parsed parts, so both backends read
        # exactly the same query (and stray quotes or dashes cannot change its meaning).
        alternatives = []
        for group in parsed.groups:
            alternatives.append(" ".join(f'"{" ".join(term)}"' for term in group))
        text = " or ".join(alternatives)
        for term in parsed.excluded:
            text += f' -"{" ".join(term)}"'
        return text.strip()

    def _search_query(self, parsed: ParsedQuery):
        from django.contrib.postgres.search import SearchQuery

        return SearchQuery(self._tsquery_text(parsed), config=self.config, search_type="websearch")

    def matching(self, queryset: QuerySet, parsed: ParsedQuery) -> QuerySet:
        from django.contrib.postgres.search import SearchRank

        if not parsed.has_positive_terms:
            # "-word" alone: every lesson without the word.
            any_excluded = ParsedQuery(groups=[[term] for term in parsed.excluded])
            return queryset.exclude(search_vector=self._search_query(any_excluded)).annotate(
                search_rank=Value(0.0, output_field=FloatField())
            )
        query = self._search_query(parsed)
        # Normalisation 1 divides by 1 + log(length): long bodies do not win on repetition.
        return queryset.filter(search_vector=query).annotate(
            search_rank=SearchRank(F("search_vector"), query, normalization=Value(1))
        )

    def ranked_ids(
        self, queryset: QuerySet, parsed: ParsedQuery, start: int, stop: int, total: int
    ) -> list[int]:
        """Rank title matches first, through their own index, and the rest only if needed.

        Ranking reads each candidate's whole stored vector, so ranking every match of a
        broad word (tens of thousands) is what makes a search slow. A title match outranks
        any match elsewhere (weight A), so the first pages come from the title matches,
        found by the GIN index on the title and ranked on the short title alone; the body
        matches are ranked only when a page reaches past them.
        """
        if not parsed.has_positive_terms or total <= RANK_ALL_BELOW:
            return super().ranked_ids(queryset, parsed, start, stop, total)
        query_text = self._tsquery_text(parsed)
        in_title = RawSQL(
            f"{TITLE_VECTOR} @@ websearch_to_tsquery('english', %s)",
            [query_text],
            output_field=BooleanField(),
        )
        title_matches = queryset.filter(in_title)
        title_rank = RawSQL(
            f"ts_rank({TITLE_VECTOR}, websearch_to_tsquery('english', %s))",
            [query_text],
            output_field=FloatField(),
        )
        ids = list(
            title_matches.annotate(title_rank=title_rank)
            .order_by("-title_rank", "-published_at", "-pk")
            .values_list("id", flat=True)[start:stop]
        )
        if len(ids) == stop - start:
            return ids
        # The title matches ran out within (or before) this page: the rest of the page
        # comes from the body matches, counted from where the title matches end.
        in_title_count = start + len(ids) if ids or start == 0 else title_matches.count()
        elsewhere = queryset.exclude(in_title).order_by("-search_rank", "-published_at", "-pk")
        ids += elsewhere.values_list("id", flat=True)[
            max(0, start - in_title_count) : stop - in_title_count
        ]
        return ids

    def snippets(self, lesson_ids: list[int], parsed: ParsedQuery) -> dict[int, str]:
        if not lesson_ids or not parsed.has_positive_terms:
            return {}
        options = (
            f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=35, MinWords=15, "
            'MaxFragments=2, FragmentDelimiter=" … "'
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, ts_headline('english', "
                "concat_ws(' ', summary, context, root_cause, recommendation), "
                "websearch_to_tsquery('english', %s), %s) "
                "FROM lessons_lesson WHERE id = ANY(%s)",
                [self._tsquery_text(parsed), options, list(lesson_ids)],
            )
            rows = cursor.fetchall()
        return {
            lesson_id: _escape_with_highlights(text)
            for lesson_id, text in rows
            if HIGHLIGHT_START in text
        }

    def index(self, lesson_ids: Iterable[int] | None) -> None:
        """Title (weight A); summary and tags (B); the rest of the text (C); category,
        project name and code, and phase (D)."""
        where, params = "", []
        if lesson_ids is not None:
            ids = list(lesson_ids)
            if not ids:
                return
            where, params = "WHERE lesson.id = ANY(%s)", [ids]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE lessons_lesson AS lesson SET search_vector =
                    setweight(to_tsvector('english', coalesce(lesson.title, '')), 'A')
                    || setweight(to_tsvector('english',
                         concat_ws(' ', lesson.summary, source.tags)), 'B')
                    || setweight(to_tsvector('english', concat_ws(' ', lesson.context,
                         lesson.root_cause, lesson.recommendation, lesson.early_warning)), 'C')
                    || setweight(to_tsvector('english', source.about), 'D')
                FROM (
                    SELECT lesson.id, string_agg(tag.name, ' ') AS tags,
                        concat_ws(' ', category.name, project.name, project.code, phase.name)
                            AS about
                    FROM lessons_lesson AS lesson
                    JOIN projects_project AS project ON project.id = lesson.project_id
                    LEFT JOIN lessons_category AS category ON category.id = lesson.category_id
                    LEFT JOIN projects_phase AS phase ON phase.id = lesson.phase_id
                    LEFT JOIN taggit_taggeditem AS item
                        ON item.object_id = lesson.id AND item.content_type_id = %s
                    LEFT JOIN taggit_tag AS tag ON tag.id = item.tag_id
                    {where}
                    GROUP BY lesson.id, project.id, category.id, phase.id
                ) AS source
                WHERE lesson.id = source.id
                """,
                [_lesson_content_type_id(), *params],
            )

    def unindex(self, lesson_ids: Iterable[int]) -> None:
        """The vector lives on the lesson row: deleting the lesson removes it."""
