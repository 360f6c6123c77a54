from __future__ import annotations

import operator
from collections.abc import Iterable
from functools import reduce

from django.db import connection
from django.db.models import BooleanField, F, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

from lessons.search.backends.base import SearchBackend, lesson_content_type_id
from lessons.search.query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ParsedQuery,
    _escape_with_highlights,
    term_variants,
)

# hindsight_tsvector(text) (migration 0012) is the English tsvector of a text with its
# hyphenated words also joined ("Wi-Fi" also as "wifi"). This matches the expression of the
# GIN index lesson_title_vector_gin.
TITLE_VECTOR = "hindsight_tsvector(lessons_lesson.title)"


# Below this many matches, ranking them all at once is cheaper than ranking in two steps.
RANK_ALL_BELOW = 2000


class PostgresBackend(SearchBackend):
    """A stored weighted tsvector with a GIN index; websearch_to_tsquery; ts_rank."""

    vendor = "postgresql"
    config = "english"

    def _phrase(self, words: list[str]):
        from django.contrib.postgres.search import SearchQuery

        # One quoted phrase in websearch syntax: stray quotes or dashes cannot change the
        # meaning of the query, and both backends read exactly the same words.
        return SearchQuery(f'"{" ".join(words)}"', config=self.config, search_type="websearch")

    def _term(self, term: list[str], highlight: bool = False):
        """A term in any of its forms ("wi fi" or "wifi")."""
        return reduce(operator.or_, map(self._phrase, term_variants(term, highlight)))

    def _any_group(self, groups: list[list[list[str]]], highlight: bool = False):
        """Any of the groups, each with all its terms."""
        return reduce(
            operator.or_,
            (reduce(operator.and_, (self._term(t, highlight) for t in group)) for group in groups),
        )

    def _search_query(self, parsed: ParsedQuery):
        """The tsquery of a query with positive terms: none of the excluded terms in any form."""
        query = self._any_group(parsed.groups)
        for term in parsed.excluded:
            for variant in term_variants(term):
                query &= ~self._phrase(variant)
        return query

    @staticmethod
    def _sql(query) -> tuple[str, list]:
        """The SQL of a search query, for the statements written out by hand."""
        from django.db.models.sql import Query

        from lessons.models import Lesson

        compiler = Query(Lesson).get_compiler(connection=connection)
        sql, params = compiler.compile(query.resolve_expression(compiler.query))
        return f"({sql})", list(params)

    def matching(self, queryset: QuerySet, parsed: ParsedQuery) -> QuerySet:
        from django.contrib.postgres.search import SearchRank

        if not parsed.has_positive_terms:
            # "-word" alone: every lesson without the word.
            any_excluded = self._any_group([[term] for term in parsed.excluded])
            return queryset.exclude(search_vector=any_excluded).annotate(
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
        query_sql, query_params = self._sql(self._search_query(parsed))
        in_title = RawSQL(
            f"{TITLE_VECTOR} @@ {query_sql}", query_params, output_field=BooleanField()
        )
        title_matches = queryset.filter(in_title)
        title_rank = RawSQL(
            f"ts_rank({TITLE_VECTOR}, {query_sql})", query_params, output_field=FloatField()
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
        # The words to mark: those searched for, and a joined word also where it is written
        # with a hyphen ("wifi" in "Wi-Fi").
        query_sql, query_params = self._sql(self._any_group(parsed.groups, highlight=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, ts_headline('english', "
                "concat_ws(' ', summary, context, root_cause, recommendation), "
                f"{query_sql}, %s) "
                "FROM lessons_lesson WHERE id = ANY(%s)",
                [*query_params, options, list(lesson_ids)],
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
                    setweight(hindsight_tsvector(lesson.title), 'A')
                    || setweight(hindsight_tsvector(concat_ws(' ', lesson.summary, source.tags)),
                         'B')
                    || setweight(hindsight_tsvector(concat_ws(' ', lesson.context,
                         lesson.root_cause, lesson.recommendation, lesson.early_warning)), 'C')
                    || setweight(hindsight_tsvector(source.about), 'D')
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
                [lesson_content_type_id(), *params],
            )

    def unindex(self, lesson_ids: Iterable[int]) -> None:
        """The vector lives on the lesson row: deleting the lesson removes it."""
