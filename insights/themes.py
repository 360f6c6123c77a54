"""Recurring themes: the most frequent tags and tag pairs, and the top tags by project type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from taggit.models import Tag, TaggedItem

from insights.filters import NO_FILTERS, InsightFilters
from insights.lesson_counts import LessonCounts, count_lessons, lessons
from insights.tables import matrix, nones_last
from lessons.models import Lesson

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def themes(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    limit: int = 15,
    counts: LessonCounts | None = None,
) -> dict[str, Any]:
    """Recurring themes: the most frequent tags and tag pairs, and the top tags by project type.

    Counted over the lessons every figure counts (``lessons``). A tag links to the search for
    it within the filters; a pair to the lessons carrying both (``tag_all``). One query
    besides the counts (the tags' names), two when the pairs need the exact count (see
    ``_pairs``).
    """
    counts = counts if counts is not None and counts.candidates >= limit else None
    counts = counts or count_lessons(user, filters, limit=limit)
    named = {
        tag.pk: tag
        for tag in Tag.objects.filter(pk__in=[pk for pk, _ in counts.tags[: counts.candidates]])
    }
    tags = [
        {
            "id": pk,
            "name": named[pk].name,
            "slug": named[pk].slug,
            "lessons": count,
            "projects": counts.tag_projects.get(pk, 0),
            "url": filters.search_url(tag=named[pk].slug),
        }
        for pk, count in counts.tags[:limit]
    ]
    return {
        "tags": tags,
        "pairs": _pairs(user, filters, counts, named, limit),
        "by_type": _by_project_type(tags, counts, filters),
    }


def _by_project_type(
    tags: list[dict[str, Any]], counts: LessonCounts, filters: InsightFilters
) -> dict[str, Any]:
    """The top tags (rows) by project type (columns), each cell linked to its lessons."""
    if not tags:
        return matrix(rows=[], columns=[], counts={}, url=None)
    types = counts.project_types
    slugs = {tag["id"]: tag["slug"] for tag in tags}
    return matrix(
        rows=[(tag["id"], tag["name"]) for tag in tags],
        columns=sorted({types.get(t, (None, None)) for _, t in counts.tag_types}, key=nones_last),
        counts={
            (tag_id, types.get(t, (None, None))[0]): n
            for (tag_id, t), n in counts.tag_types.items()
        },
        url=lambda tag_id, type_slug: filters.search_url(tag=slugs[tag_id], project_type=type_slug),
    )


def _pair(first: Any, second: Any, count: int, filters: InsightFilters) -> dict[str, Any]:
    """A tag pair, linked to the lessons carrying both (``tag_all``). Tags as Tag or rows."""
    return {
        "first": {"name": first.name, "slug": first.slug},
        "second": {"name": second.name, "slug": second.slug},
        "count": count,
        "url": filters.search_url(tag_all=[first.slug, second.slug]),
    }


def _pairs(
    user: User | AnonymousUser,
    filters: InsightFilters,
    counts: LessonCounts,
    named: dict[int, Tag],
    limit: int,
) -> list[dict[str, Any]]:
    """The ``limit`` most frequent tag pairs, ties by the names of the lower then higher id.

    The counts hold the pairs among the most frequent tags only. A pair is never more
    frequent than either of its tags, so when ``limit`` of those pairs are more frequent
    than the first tag left out, no pair with a tag left out can rank: the answer is exact.
    Otherwise every pair is counted (one query more).
    """
    left_out = counts.tags[counts.candidates][1] if len(counts.tags) > counts.candidates else 0
    frequent = {pair: n for pair, n in counts.pairs.items() if n > left_out}
    if len(frequent) < limit and left_out:
        return _tag_pairs(lessons(user, filters), limit, filters)
    ranked = sorted(
        frequent.items(),
        key=lambda kv: (-kv[1], named[kv[0][0]].name, named[kv[0][1]].name),
    )[:limit]
    return [_pair(named[first], named[second], count, filters) for (first, second), count in ranked]


def _tag_pairs(
    selected: QuerySet[Lesson], limit: int, filters: InsightFilters
) -> list[dict[str, Any]]:
    """The most frequent pairs of tags on one lesson of ``selected``, over every tag: one
    self-join of taggit's tagged items (a < b by tag id), restricted to the selected lessons.
    """
    ids_sql, ids_params = selected.order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    items, tags = quote(TaggedItem._meta.db_table), quote(Tag._meta.db_table)
    sql = f"""
        SELECT a.tag_id, b.tag_id, COUNT(*) AS lessons
        FROM {items} a
        JOIN {items} b ON b.object_id = a.object_id
            AND b.content_type_id = a.content_type_id AND a.tag_id < b.tag_id
        JOIN {tags} ta ON ta.id = a.tag_id
        JOIN {tags} tb ON tb.id = b.tag_id
        WHERE a.content_type_id = %s AND a.object_id IN ({ids_sql})
        GROUP BY a.tag_id, b.tag_id, ta.name, tb.name
        ORDER BY lessons DESC, ta.name, tb.name
        LIMIT %s
    """  # Only quoted table names and the ORM's own SQL are formatted in; values are params.
    lesson_type = ContentType.objects.get_for_model(Lesson)
    with connection.cursor() as cursor:
        cursor.execute(sql, [lesson_type.pk, *ids_params, limit])
        rows = cursor.fetchall()
    named = Tag.objects.in_bulk({tag_id for row in rows for tag_id in row[:2]})
    return [_pair(named[first], named[second], count, filters) for first, second, count in rows]
