"""Full-text search over lessons: one interface, a backend per database (DESIGN.md section 7).

Views and filters only call the functions at the bottom of this module (``matching``,
``snippets``, ``index_lessons``, ...). Each backend keeps its own index in step with the
lesson table; the signal handlers in ``lessons.signals`` and the bulk loader call
``index_lessons`` after every write. A search-engine backend could be added here later
without touching any view.

Query syntax is the web's: words (all required), "exact phrase", -excluded, ``or``.
Bad syntax never errors: it degrades to plain words.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, F, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

# Relative weights: title above summary and tags, those above the body (DESIGN.md section 7).
SQLITE_COLUMN_WEIGHTS = (10.0, 4.0, 4.0, 1.0)  # title, summary, tags, body
HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"
# Matches the expression of the GIN index lesson_title_vector_gin (migration 0006).
TITLE_VECTOR = "to_tsvector('english'::regconfig, lessons_lesson.title)"
# Below this many matches, ranking them all at once is cheaper than ranking in two steps.
RANK_ALL_BELOW = 2000
SUGGESTION_VOCABULARY_KEY = "lessons:search:vocabulary"
SUGGESTION_VOCABULARY_SECONDS = 300

# PostgreSQL's English stop words: dropped from bare words on both backends, so a query
# means the same everywhere (SQLite's porter tokenizer would otherwise match them).
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only other our
    ours ourselves out over own s same she should so some such t than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with you your yours yourself
    yourselves""".split()  # noqa: SIM905 - a word list reads best as text
)

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[\w']+", re.UNICODE)


@dataclass
class ParsedQuery:
    """A web-search query broken into its parts.

    ``groups`` is a list of alternatives joined by OR; each alternative is a list of
    required terms, and each term a list of words (one word, or a phrase).
    """

    groups: list[list[list[str]]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    @property
    def has_positive_terms(self) -> bool:
        return any(self.groups)


def parse_query(raw: str) -> ParsedQuery:
    """Parse web-search syntax; anything unexpected is read as plain words."""
    parsed = ParsedQuery()
    current: list[list[str]] = []
    pending_or = False
    for match in _TOKEN.finditer(raw or ""):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() == "or":
                pending_or = bool(current)
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            words = _WORD.findall(bare.lstrip("-") if negated else bare)
        else:
            words = _WORD.findall(phrase or "")
        words = [w.lower().strip("'") for w in words if w.strip("'")]
        if bare is not None:
            words = [w for w in words if w not in STOP_WORDS]
        if not words:
            continue
        if negated:
            parsed.excluded.append(words)
            continue
        if pending_or and current:
            parsed.groups.append(current)
            current = []
        pending_or = False
        current.append(words)
    if current:
        parsed.groups.append(current)
    return parsed


def _escape_with_highlights(text: str) -> str:
    """HTML-escape text from the index, then turn the highlight markers into <mark>."""
    escaped = html.escape(text.replace("\n", " "))
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")


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
                         concat_ws(' ', lesson.summary, tagged.names)), 'B')
                    || setweight(to_tsvector('english', concat_ws(' ', lesson.context,
                         lesson.root_cause, lesson.recommendation, lesson.early_warning)), 'C')
                FROM (
                    SELECT lesson.id, string_agg(tag.name, ' ') AS names
                    FROM lessons_lesson AS lesson
                    LEFT JOIN taggit_taggeditem AS item
                        ON item.object_id = lesson.id AND item.content_type_id = %s
                    LEFT JOIN taggit_tag AS tag ON tag.id = item.tag_id
                    {where}
                    GROUP BY lesson.id
                ) AS tagged
                WHERE lesson.id = tagged.id
                """,
                [_lesson_content_type_id(), *params],
            )

    def unindex(self, lesson_ids: Iterable[int]) -> None:
        """The vector lives on the lesson row: deleting the lesson removes it."""


class SQLiteBackend(SearchBackend):
    """An FTS5 table (porter stemming), ranked with bm25(), snippets with snippet()."""

    vendor = "sqlite"
    table = "lessons_lesson_fts"

    @staticmethod
    def _fts_term(words: list[str]) -> str:
        # Quoted, every term is a string (or phrase) to FTS5, never an operator.
        return '"' + " ".join(words).replace('"', '""') + '"'

    def _fts_query(self, groups: list[list[list[str]]]) -> str:
        alternatives = [
            "(" + " AND ".join(self._fts_term(term) for term in group) + ")" for group in groups
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
        placeholders = ", ".join(["%s"] * len(lesson_ids))
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
                    self._fts_query(parsed.groups),
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
        ids = None if lesson_ids is None else list(lesson_ids)
        if ids is not None and not ids:
            return
        where, params = "", []
        if ids is not None:
            where = f"WHERE lesson.id IN ({', '.join(['%s'] * len(ids))})"
            params = ids
        with connection.cursor() as cursor:
            if ids is None:
                cursor.execute(f"DELETE FROM {self.table}")
            else:
                self._delete(cursor, ids)
            cursor.execute(
                f"""
                INSERT INTO {self.table} (rowid, title, summary, tags, body)
                SELECT lesson.id, lesson.title, lesson.summary,
                    (SELECT group_concat(tag.name, ' ')
                     FROM taggit_taggeditem AS item
                     JOIN taggit_tag AS tag ON tag.id = item.tag_id
                     WHERE item.object_id = lesson.id AND item.content_type_id = %s),
                    lesson.context || ' ' || lesson.root_cause || ' ' ||
                    lesson.recommendation || ' ' || lesson.early_warning
                FROM lessons_lesson AS lesson {where}
                """,
                [_lesson_content_type_id(), *params],
            )

    def _delete(self, cursor, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"DELETE FROM {self.table} WHERE rowid IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )

    def unindex(self, lesson_ids: Iterable[int]) -> None:
        ids = list(lesson_ids)
        if ids:
            with connection.cursor() as cursor:
                self._delete(cursor, ids)


_BACKENDS = {backend.vendor: backend for backend in (PostgresBackend(), SQLiteBackend())}


def backend() -> SearchBackend:
    """The backend for the database in use."""
    try:
        return _BACKENDS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"No search backend for {connection.vendor}") from None


def _lesson_content_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    from lessons.models import Lesson

    return ContentType.objects.get_for_model(Lesson).id


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
    words = [
        w for w in dict.fromkeys(_WORD.findall(text.lower())) if len(w) > 3 and w not in STOP_WORDS
    ][:12]
    if not words:
        return queryset.none()
    parsed = ParsedQuery(groups=[[[word]] for word in words])
    matches = backend().matching(queryset, parsed)
    candidates = list(matches.order_by().values_list("id", flat=True)[:pool])
    ranked = backend().matching(queryset.filter(id__in=candidates), parsed)
    return ranked.order_by("-search_rank", "-pk")[:limit]


def _public_vocabulary() -> set[str]:
    """Words of titles and tags of lessons every signed-in user can see.

    Suggestions come only from here, so "did you mean" never reveals a word that appears
    only in a lesson the user may not see.
    """
    vocabulary = cache.get(SUGGESTION_VOCABULARY_KEY)
    if vocabulary is None:
        from lessons.models import Lesson

        public = Lesson.objects.filter(
            status=Lesson.Status.PUBLISHED, visibility=Lesson.Visibility.ORGANISATION
        )
        vocabulary = set()
        for title in public.values_list("title", flat=True).iterator(chunk_size=5000):
            vocabulary.update(w for w in _WORD.findall(title.lower()) if len(w) > 2)
        for name in public.values_list("tags__name", flat=True).distinct():
            if name:
                vocabulary.update(_WORD.findall(name.lower()))
        cache.set(SUGGESTION_VOCABULARY_KEY, vocabulary, SUGGESTION_VOCABULARY_SECONDS)
    return vocabulary


def suggest(raw_query: str) -> str | None:
    """A corrected query ("did you mean"), or None when no word looks misspelt."""
    vocabulary = _public_vocabulary()
    if not vocabulary:
        return None
    changed = False
    corrected = []
    for token in (raw_query or "").split():
        word = token.lower().strip("\"'-")
        if len(word) < 3 or word in vocabulary or word == "or":
            corrected.append(token)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75)
        if close:
            corrected.append(token.lower().replace(word, close[0]))
            changed = True
        else:
            corrected.append(token)
    return " ".join(corrected) if changed else None


__all__ = [
    "ParsedQuery",
    "index_lessons",
    "matching",
    "parse_query",
    "similar",
    "snippets",
    "suggest",
    "unindex_lessons",
]
