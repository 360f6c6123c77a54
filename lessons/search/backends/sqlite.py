from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.dispatch import receiver

from lessons.search.backends.base import SearchBackend, lesson_content_type_id
from lessons.search.query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ParsedQuery,
    _escape_with_highlights,
    compounds,
    term_variants,
)

# The columns of the FTS5 table (migration 0012) and their relative weights: title above
# summary and tags, those above the body, category, project and phase. Title, tags and
# "about" (category, project name and code, phase) hold their hyphenated words joined after
# their text; summary and body, whose text snippets show, hold theirs in columns of their own.
SQLITE_COLUMN_WEIGHTS = (
    10.0,  # title
    4.0,  # summary
    4.0,  # tags
    1.0,  # body
    1.0,  # about
    4.0,  # summary_compounds
    1.0,  # body_compounds
)

# Lessons (re)indexed per statement: SQLite limits the parameters of one statement.
CHUNK = 500


def _placeholders(values: list) -> str:
    return ", ".join(["%s"] * len(values))


@receiver(connection_created)
def add_compounds_function(sender, connection, **kwargs) -> None:
    """hindsight_compounds(text) on every SQLite connection: the index holds its words.

    Registered as each connection opens: SQLite refuses to (re)define a function while a
    statement of the connection is still being read (a restore reads as it writes).
    """
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "hindsight_compounds", 1, compounds, deterministic=True
        )


class SQLiteBackend(SearchBackend):
    """An FTS5 table (porter stemming), ranked with bm25(), snippets with snippet()."""

    vendor = "sqlite"
    table = "lessons_lesson_fts"

    @staticmethod
    def _fts_phrase(words: list[str]) -> str:
        # Quoted, every term is a string (or phrase) to FTS5, never an operator.
        return '"' + " ".join(words).replace('"', '""') + '"'

    def _fts_term(self, term: list[str], highlight: bool = False) -> str:
        """A term in any of its forms ("wi fi" or "wifi")."""
        # FTS5 reads a hyphenated word as its parts: "wi-fi" is the phrase "wi fi".
        phrases = dict.fromkeys(
            self._fts_phrase(" ".join(variant).replace("-", " ").split())
            for variant in term_variants(term, highlight)
        )
        return "(" + " OR ".join(phrases) + ")"

    def _fts_query(self, groups: list[list[list[str]]], highlight: bool = False) -> str:
        alternatives = [
            "(" + " AND ".join(self._fts_term(term, highlight) for term in group) + ")"
            for group in groups
        ]
        return " OR ".join(alternatives)

    def matching(self, queryset: QuerySet, parsed: ParsedQuery) -> QuerySet:
        select = f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s"
        if parsed.excluded:
            excluded = self._fts_query([[term] for term in parsed.excluded])
            queryset = queryset.exclude(id__in=RawSQL(select, [excluded]))
        if not parsed.has_positive_terms:
            return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
        query = self._fts_query(parsed.groups)
        weights = ", ".join(str(w) for w in SQLITE_COLUMN_WEIGHTS)
        return queryset.filter(id__in=RawSQL(select, [query])).annotate(
            search_rank=RawSQL(
                # bm25() is lower for better matches; negate it so higher ranks first.
                f"SELECT -bm25({self.table}, {weights}) FROM {self.table} "
                f"WHERE {self.table} MATCH %s AND rowid = lessons_lesson.id",
                [query],
                output_field=FloatField(),
            )
        )

    def snippets(self, lesson_ids: list[int], parsed: ParsedQuery) -> dict[int, str]:
        if not lesson_ids or not parsed.has_positive_terms:
            return {}
        placeholders = _placeholders(lesson_ids)
        with connection.cursor() as cursor:
            cursor.execute(
                # Column 3 is the body; summary (1) is tried when the body has no match.
                f"SELECT rowid, snippet({self.table}, 3, %s, %s, ' … ', 30), "
                f"snippet({self.table}, 1, %s, %s, ' … ', 30) "
                f"FROM {self.table} WHERE {self.table} MATCH %s AND rowid IN ({placeholders})",
                [
                    HIGHLIGHT_START,
                    HIGHLIGHT_END,
                    HIGHLIGHT_START,
                    HIGHLIGHT_END,
                    # A joined word is also marked where it is written with a hyphen.
                    self._fts_query(parsed.groups, highlight=True),
                    *lesson_ids,
                ],
            )
            rows = cursor.fetchall()
        result = {}
        for lesson_id, body, summary in rows:
            best = body if HIGHLIGHT_START in body else summary
            if HIGHLIGHT_START in best:
                result[lesson_id] = _escape_with_highlights(best)
        return result

    def index(self, lesson_ids: Iterable[int] | None) -> None:
        with connection.cursor() as cursor:
            if lesson_ids is None:
                cursor.execute(f"DELETE FROM {self.table}")
                self._insert(cursor, "", [])
                return
            ids = list(lesson_ids)
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                self._delete(cursor, chunk)
                self._insert(cursor, f"WHERE lesson.id IN ({_placeholders(chunk)})", chunk)

    def _insert(self, cursor, where: str, params: list[int]) -> None:
        cursor.execute(
            f"""
            INSERT INTO {self.table} (rowid, title, summary, tags, body, about,
                summary_compounds, body_compounds)
            SELECT id, title || ' ' || hindsight_compounds(title), summary,
                tags || ' ' || hindsight_compounds(tags), body,
                about || ' ' || hindsight_compounds(about),
                hindsight_compounds(summary), hindsight_compounds(body)
            FROM (
                SELECT lesson.id, lesson.title, lesson.summary,
                    coalesce((SELECT group_concat(tag.name, ' ')
                     FROM taggit_taggeditem AS item
                     JOIN taggit_tag AS tag ON tag.id = item.tag_id
                     WHERE item.object_id = lesson.id AND item.content_type_id = %s), '') AS tags,
                    lesson.context || ' ' || lesson.root_cause || ' ' ||
                    lesson.recommendation || ' ' || lesson.early_warning AS body,
                    project.name || ' ' || project.code || ' ' || coalesce(category.name, '')
                    || ' ' || coalesce(phase.name, '') AS about
                FROM lessons_lesson AS lesson
                JOIN projects_project AS project ON project.id = lesson.project_id
                LEFT JOIN lessons_category AS category ON category.id = lesson.category_id
                LEFT JOIN projects_phase AS phase ON phase.id = lesson.phase_id
                {where}
            )
            """,
            [lesson_content_type_id(), *params],
        )

    def _delete(self, cursor, ids: list[int]) -> None:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            cursor.execute(
                f"DELETE FROM {self.table} WHERE rowid IN ({_placeholders(chunk)})", chunk
            )

    def unindex(self, lesson_ids: Iterable[int]) -> None:
        ids = list(lesson_ids)
        if ids:
            with connection.cursor() as cursor:
                self._delete(cursor, ids)
