"""The lessons the figures count, and every count of them in one statement.

Lessons are the published collection that /lessons/ searches: visible to the viewer,
published and not merged into another lesson, so every figure's link to the search lists
the lessons behind it. ``count_lessons`` counts them by every grouping a lesson figure
needs, and their tags, in one statement (``lessons.search.grouped_counts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Case, F, Q, QuerySet, When
from django.db.models.functions import TruncMonth

from insights.filters import NO_FILTERS, InsightFilters
from lessons.models import Category, Lesson
from lessons.search.grouped_counts import base_table, grouped_counts_sql
from projects.models import Project, ProjectType

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def visible_lessons(user: User | AnonymousUser) -> QuerySet[Lesson]:
    """The published collection this user may see, as /lessons/ searches it."""
    return Lesson.objects.visible_to(user).filter(
        status=Lesson.Status.PUBLISHED, merged_into__isnull=True
    )


def lessons(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> QuerySet[Lesson]:
    """The lessons every lesson figure counts: visible, published, within the filters."""
    return visible_lessons(user).filter(
        filters.of_projects("project__"), filters.in_period("occurred_on")
    )


# The columns of the counted lessons that the lesson figures group by. Each lesson figure is
# one grouping of them, and all are counted in one statement (``count_lessons``).
_COUNT_COLUMNS = (
    "id",
    "project_id",
    "category_id",
    "review_id",
    "likelihood",
    "impact",
    "phase_name",
    "month",
    "recurring",
    "submitter",
)
_GROUPINGS = {
    "total": (),
    "month": ("month",),
    "project": ("project_id",),
    "review": ("review_id",),
    "category_phase": ("category_id", "phase_name"),
    # By project rather than project type, and submitter rather than department: folded in
    # Python (``LessonCounts.type_of_project``, ``recognition``): two joins per lesson spared.
    "project_category": ("project_id", "category_id"),
    "risk": ("likelihood", "impact"),
    "submitter": ("submitter",),
}
# Each group's lessons, and how many of them repeat an earlier lesson.
_AGGREGATES = ("COUNT(*)", "SUM(recurring)")
# Tag pairs are counted among this many most frequent tags (bits of a 64-bit integer; see
# ``_pairs_from``), and exactly over all tags only when that cannot be trusted
# (``insights.themes``).
PAIR_CANDIDATES = 60
MAX_PAIR_CANDIDATES = 62  # a signed 64-bit integer, with room to spare

# The tagged items of the counted lessons, their tags ranked by lessons (ties by name), and
# the top tags' lessons per project. Parameters: the lesson content type, the top's size.
_TAG_TABLES = """
    all_tagged AS MATERIALIZED (
        SELECT item.object_id AS lesson_id, item.tag_id, base.project_id
        FROM taggit_taggeditem AS item JOIN base ON base.id = item.object_id
        WHERE item.content_type_id = %s
    ),
    ranked AS MATERIALIZED (
        SELECT counted.tag_id, counted.lessons,
            ROW_NUMBER() OVER (ORDER BY counted.lessons DESC, tag.name) AS place
        FROM (SELECT tag_id, COUNT(*) AS lessons FROM all_tagged GROUP BY tag_id) AS counted
        JOIN taggit_tag AS tag ON tag.id = counted.tag_id
    ),
    top_projects AS (
        SELECT all_tagged.tag_id, all_tagged.project_id, COUNT(*) AS lessons
        FROM all_tagged
        JOIN ranked ON ranked.tag_id = all_tagged.tag_id AND ranked.place <= %s
        GROUP BY all_tagged.tag_id, all_tagged.project_id
    )
"""
# Rows shaped as the groupings' ones: the ranked tags (up to the candidates and one more),
# how many lessons carry each combination of two candidate tags or more (a bit mask of their
# places), and the top tags' lessons per project. Parameters: candidates + 1, candidates.
_TAG_ROWS = """
    SELECT 'tag', CAST(tag_id AS TEXT), NULL, lessons, place FROM ranked WHERE place <= %s
    UNION ALL
    SELECT 'combination', CAST(combination AS TEXT), NULL, COUNT(*), 0
    FROM (
        SELECT CAST(SUM(CAST(1 AS BIGINT) << CAST(ranked.place - 1 AS INTEGER)) AS BIGINT)
            AS combination
        FROM all_tagged
        JOIN ranked ON ranked.tag_id = all_tagged.tag_id AND ranked.place <= %s
        GROUP BY all_tagged.lesson_id
        HAVING COUNT(*) > 1
    ) AS lesson_tags
    GROUP BY combination
    UNION ALL
    SELECT 'tag_project', CAST(tag_id AS TEXT), CAST(project_id AS TEXT), lessons, 0
    FROM top_projects
"""


@dataclass
class LessonCounts:
    """The raw counts behind every lesson figure, for one viewer and one set of filters.

    ``groups[name]`` maps a key of grouping ``name`` (its columns' values as text, ``None``
    where the lessons have none) to ``(lessons, recurring lessons)``. ``tags`` lists the most
    frequent tags as ``(tag id, lessons)``, most frequent first, ties by name: up to
    ``candidates`` of them and the next one. ``tag_projects`` and ``tag_types`` count, for
    the first ``limit`` tags, their projects and their lessons per project type id;
    ``pairs`` counts the pairs of candidate tags ``(lower id, higher id)`` on one lesson.
    """

    groups: dict[str, dict[tuple[str | None, ...], tuple[int, int]]]
    tags: list[tuple[int, int]]
    tag_projects: dict[int, int]
    tag_types: dict[tuple[int, int | None], int]
    pairs: dict[tuple[int, int], int]
    candidates: int

    @property
    def total(self) -> int:
        return self.groups["total"].get((), (0, 0))[0]

    @cached_property
    def categories(self) -> dict[int, tuple[str, str]]:
        """Category id -> (slug, name), read once for every figure that names them."""
        return {
            pk: (slug, name)
            for pk, slug, name in Category.objects.values_list("pk", "slug", "name")
        }

    @cached_property
    def project_types(self) -> dict[int, tuple[str, str]]:
        """Project type id -> (slug, name), read once."""
        return {
            pk: (slug, name)
            for pk, slug, name in ProjectType.objects.values_list("pk", "slug", "name")
        }

    @cached_property
    def type_of_project(self) -> dict[int, int]:
        """Project id -> project type id, for the projects of the counted lessons."""
        projects = {int(key) for (key,) in self.groups["project"] if key}
        return dict(Project.objects.filter(pk__in=projects).values_list("pk", "project_type_id"))

    def counts(self, name: str) -> dict[tuple[str | None, ...], int]:
        return {key: counted for key, (counted, _) in self.groups[name].items()}

    def add_tag_projects(self, tag_projects: list[tuple[int, int, int]]) -> None:
        """The top tags' projects and lessons per project type, from ``(tag id, project id,
        lessons)``: each project has one type, so per type is folded from per project."""
        for tag_id, project_id, tagged in tag_projects:
            self.tag_projects[tag_id] = self.tag_projects.get(tag_id, 0) + 1
            key = (tag_id, self.type_of_project.get(project_id))
            self.tag_types[key] = self.tag_types.get(key, 0) + tagged


def count_lessons(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS, limit: int = 15
) -> LessonCounts:
    """Every grouping of the counted lessons, and their themes, in one statement.

    The access rule and the filters run once, into a materialised table of narrow rows;
    each figure is then a GROUP BY over it (``grouped_counts``). On 100,000 lessons that is
    one scan of the lessons instead of one per figure. ``limit`` is how many top tags the
    themes show.
    """
    if limit > MAX_PAIR_CANDIDATES:
        raise ValueError(f"Themes show at most {MAX_PAIR_CANDIDATES} tags.")
    candidates = min(max(PAIR_CANDIDATES, limit), MAX_PAIR_CANDIDATES)
    base, params = base_table(_counted_rows(user, filters), _COUNT_COLUMNS)
    # Only constant names and the ORM's own SQL are formatted in; values are parameters.
    sql = (
        f"WITH {base}, {_TAG_TABLES} "
        f"{grouped_counts_sql(_GROUPINGS, _AGGREGATES)} UNION ALL {_TAG_ROWS}"
    )
    lesson_type = ContentType.objects.get_for_model(Lesson).pk
    params += [lesson_type, limit, candidates + 1, candidates]
    return _collect(_fetch(sql, params), candidates)


def _counted_rows(user: User | AnonymousUser, filters: InsightFilters) -> QuerySet[Lesson]:
    """The counted lessons, with the columns their groupings need."""
    named = Q(is_anonymous=False)
    return lessons(user, filters).annotate(
        phase_name=F("phase__name"),
        month=TruncMonth("occurred_on"),
        recurring=Case(When(recurrence_of__isnull=False, then=1), default=0),
        # Anonymous lessons never count toward a person or their team.
        submitter=Case(When(named, then=F("submitted_by_id"))),
    )


def _fetch(sql: str, params: list) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One analytic statement: compiling it (JIT) costs more than it saves, and its
            # groupings need more than the default working memory to stay off the disk.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _collect(rows: list[tuple], candidates: int) -> LessonCounts:
    """The counts from the statement's rows ``(name, first, second, count, extra)``."""
    counts = LessonCounts({name: {} for name in _GROUPINGS}, [], {}, {}, {}, candidates)
    places, combinations, tag_projects = [], [], []
    for name, first, second, count, extra in rows:
        count, extra = int(count), int(extra or 0)
        if name == "tag":
            places.append((extra, int(first), count))
        elif name == "combination":
            combinations.append((int(first), count))
        elif name == "tag_project":
            tag_projects.append((int(first), int(second), count))
        else:
            key = (first, second)[: len(_GROUPINGS[name])]
            counts.groups[name][key] = (count, extra)
    counts.tags = [(tag_id, tagged) for _, tag_id, tagged in sorted(places)]
    counts.pairs = _pairs_from(combinations, [tag_id for tag_id, _ in counts.tags])
    counts.add_tag_projects(tag_projects)
    return counts


def _pairs_from(combinations: list[tuple[int, int]], ranked: list[int]) -> dict:
    """Pair counts from how many lessons carry each combination of the candidate tags.

    A combination is a bit mask: bit ``i`` set when the lesson carries ``ranked[i]``. The
    database groups the lessons with two candidate tags or more by combination (a few
    thousand rows, where a self-join of the tagged items would pair up hundreds of
    thousands); the pairs are spelled out here.
    """
    pairs: dict[tuple[int, int], int] = {}
    for combination, carrying in combinations:
        carried = []
        while combination:
            lowest = combination & -combination
            carried.append(ranked[lowest.bit_length() - 1])
            combination ^= lowest
        for index, first in enumerate(carried):
            for second in carried[index + 1 :]:
                pair = (min(first, second), max(first, second))
                pairs[pair] = pairs.get(pair, 0) + carrying
    return pairs
