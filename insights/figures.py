"""Every KPI of /insights/ (DESIGN.md section 6, issue 6), computed for one viewer.

Each function takes ``(user, filters)`` and starts from ``Lesson.objects.visible_to(user)``
(or from the ratings, views, actions and applications of lessons in it), so a figure never
counts what its viewer may not see. Each returns plain data (rows of dicts), no HTML, and
runs a fixed number of queries whatever the data.

What is counted:

- Lessons are the published collection that ``/lessons/`` searches: visible, published and
  not merged into another lesson. So every figure's link to the search lists the lessons
  behind it.
- The period is the lesson's ``occurred_on`` (inclusive), because that is the date the
  search can filter on (``occurred_after`` / ``occurred_before``). A lesson without a date
  is left out once a period is chosen, and out of the month and quarter trends always.
- Department and project type are those of the lesson's project.
- Applications (hours saved, top appliers) are filtered by ``applied_on`` for the period
  and by the applying project's department and type, since that is where the time was saved.
- Views are filtered by the day they happened; done actions by ``completed_on``. Open and
  overdue actions are today's state.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import ExtractYear, TruncMonth
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from lessons.models import Action, Application, Category, Lesson, LessonViewDay, Rating
from projects.models import DEFAULT_PHASES, Department, PhaseReview, Project, ProjectType

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

TOP_SIZE = 10
OPEN_STATUSES = (Action.Status.OPEN, Action.Status.IN_PROGRESS)
HEAT_LEVELS = 5  # shades heat-1..heat-5; heat-0 is an empty cell


@dataclass(frozen=True)
class InsightFilters:
    """What the viewer narrowed the figures to; ``None`` means "any"."""

    start: date | None = None
    end: date | None = None
    department: int | None = None  # Department id
    project_type: str | None = None  # ProjectType slug

    def search_params(self) -> dict[str, str | list[str]]:
        """The same narrowing as /lessons/ search parameters (DESIGN.md section 6)."""
        params = {}
        if self.start:
            params["occurred_after"] = self.start.isoformat()
        if self.end:
            params["occurred_before"] = self.end.isoformat()
        if self.department:
            params["department"] = str(self.department)
        if self.project_type:
            params["project_type"] = self.project_type
        return params

    def search_url(self, **extra: Any) -> str:
        """A link to /lessons/ listing the lessons behind a figure.

        ``extra`` values (a string, or a list for a repeated parameter) override the filters;
        a ``(first, last)`` date pair narrows the period to its overlap with the chosen one.
        """
        params = self.search_params()
        period = extra.pop("period", None)
        if period:
            first, last = period
            if self.start and self.start > first:
                first = self.start
            if self.end and self.end < last:
                last = self.end
            params["occurred_after"], params["occurred_before"] = (
                first.isoformat(),
                last.isoformat(),
            )
        params.update(
            {key: value if isinstance(value, list) else str(value) for key, value in extra.items()}
        )
        query = urlencode(params, doseq=True)
        return reverse("lessons:list") + (f"?{query}" if query else "")

    def form_params(self) -> dict[str, str]:
        """These filters as the parameters of the /insights/ form."""
        return {
            name: str(value)
            for name, value in (
                ("from", self.start and self.start.isoformat()),
                ("to", self.end and self.end.isoformat()),
                ("department", self.department),
                ("project_type", self.project_type),
            )
            if value
        }

    def page_url(self) -> str:
        """/insights/ with these filters."""
        query = urlencode(self.form_params())
        return reverse("insights") + (f"?{query}" if query else "")

    def actions_url(self, **extra: Any) -> str:
        """A link to the list of the actions behind an action figure, within these filters
        (``extra``: ``state``, ``impact``, ``effort``)."""
        return reverse("insights_actions") + "?" + urlencode({**self.form_params(), **extra})


NO_FILTERS = InsightFilters()


# -- the lessons counted -----------------------------------------------------------------------


def visible_lessons(user: User | AnonymousUser) -> QuerySet[Lesson]:
    """The published collection this user may see, as /lessons/ searches it."""
    return Lesson.objects.visible_to(user).filter(
        status=Lesson.Status.PUBLISHED, merged_into__isnull=True
    )


def _project_filters(filters: InsightFilters, prefix: str) -> Q:
    condition = Q()
    if filters.department:
        condition &= Q(**{f"{prefix}department_id": filters.department})
    if filters.project_type:
        condition &= Q(**{f"{prefix}project_type__slug": filters.project_type})
    return condition


def _period(filters: InsightFilters, field: str) -> Q:
    condition = Q()
    if filters.start:
        condition &= Q(**{f"{field}__gte": filters.start})
    if filters.end:
        condition &= Q(**{f"{field}__lte": filters.end})
    return condition


def lessons(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> QuerySet[Lesson]:
    """The lessons every lesson figure counts: visible, published, within the filters."""
    return visible_lessons(user).filter(
        _project_filters(filters, "project__"), _period(filters, "occurred_on")
    )


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# -- one pass over the counted lessons ---------------------------------------------------------

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
_GROUPED = [c for c in _COUNT_COLUMNS if any(c in keys for keys in _GROUPINGS.values())]
# Tag pairs are counted among this many most frequent tags (bits of a 64-bit integer; see
# ``_pairs_from``), and exactly over all tags only when that cannot be trusted (``_pairs``).
PAIR_CANDIDATES = 60
MAX_PAIR_CANDIDATES = 62  # a signed 64-bit integer, with room to spare


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
        return {key: lessons for key, (lessons, _) in self.groups[name].items()}


def count_lessons(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS, limit: int = 15
) -> LessonCounts:
    """Every grouping of the counted lessons, and their themes, in one statement.

    The access rule and the filters run once, into a materialised table of narrow rows;
    each figure is then a GROUP BY over it (one pass of GROUPING SETS on PostgreSQL, which
    SQLite lacks). On 100,000 lessons that is one scan of the lessons instead of one per
    figure. ``limit`` is how many top tags the themes show.
    """
    named = Q(is_anonymous=False)
    rows = (
        lessons(user, filters)
        .order_by()
        .annotate(
            phase_name=F("phase__name"),
            month=TruncMonth("occurred_on"),
            recurring=Case(When(recurrence_of__isnull=False, then=1), default=0),
            # Anonymous lessons never count toward a person or their team.
            submitter=Case(When(named, then=F("submitted_by_id"))),
        )
        .values_list(*_COUNT_COLUMNS)
    )
    base_sql, base_params = rows.query.sql_with_params()
    if limit > MAX_PAIR_CANDIDATES:
        raise ValueError(f"Themes show at most {MAX_PAIR_CANDIDATES} tags.")
    candidates = min(max(PAIR_CANDIDATES, limit), MAX_PAIR_CANDIDATES)
    if connection.vendor == "postgresql":
        groupings = _grouping_sets_sql()
    else:
        groupings = " UNION ALL ".join(
            _group_by_sql(name, keys) for name, keys in _GROUPINGS.items()
        )
    # Only constant names and the ORM's own SQL are formatted in; values are parameters.
    sql = f"""
        WITH base ({", ".join(_COUNT_COLUMNS)}) AS MATERIALIZED ({base_sql}),
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
        {groupings}
        UNION ALL
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
    lesson_type = ContentType.objects.get_for_model(Lesson).pk
    params = [*base_params, lesson_type, limit, candidates + 1, candidates]
    counts = LessonCounts({name: {} for name in _GROUPINGS}, [], {}, {}, {}, candidates)
    places, combinations, tag_projects = [], [], []
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One analytic statement: compiling it (JIT) costs more than it saves, and its
            # groupings need more than the default working memory to stay off the disk.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        for name, first, second, count, extra in cursor.fetchall():
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
    counts.tags = [(tag_id, lessons) for _, tag_id, lessons in sorted(places)]
    counts.pairs = _pairs_from(combinations, [tag_id for tag_id, _ in counts.tags])
    # Each project has one type: the top tags' counts per type are folded from per project.
    for tag_id, project_id, tagged in tag_projects:
        counts.tag_projects[tag_id] = counts.tag_projects.get(tag_id, 0) + 1
        key = (tag_id, counts.type_of_project.get(project_id))
        counts.tag_types[key] = counts.tag_types.get(key, 0) + tagged
    return counts


def _pairs_from(combinations: list[tuple[int, int]], ranked: list[int]) -> dict:
    """Pair counts from how many lessons carry each combination of the candidate tags.

    A combination is a bit mask: bit ``i`` set when the lesson carries ``ranked[i]``. The
    database groups the lessons with two candidate tags or more by combination (a few
    thousand rows, where a self-join of the tagged items would pair up hundreds of
    thousands); the pairs are spelled out here.
    """
    pairs: dict[tuple[int, int], int] = {}
    for combination, lessons in combinations:
        carried = []
        while combination:
            lowest = combination & -combination
            carried.append(ranked[lowest.bit_length() - 1])
            combination ^= lowest
        for index, first in enumerate(carried):
            for second in carried[index + 1 :]:
                pair = (min(first, second), max(first, second))
                pairs[pair] = pairs.get(pair, 0) + lessons
    return pairs


def _group_by_sql(name: str, keys: tuple[str, ...]) -> str:
    values = [f"CAST({key} AS TEXT)" for key in keys] + ["NULL"] * (2 - len(keys))
    group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
    return f"SELECT '{name}', {', '.join(values)}, COUNT(*), SUM(recurring) FROM base{group_by}"


def _grouping_sets_sql() -> str:
    """Every grouping in one pass; ``GROUPING()`` tells which one a row belongs to."""
    masks = {
        name: sum(1 << (len(_GROUPED) - 1 - i) for i, c in enumerate(_GROUPED) if c not in keys)
        for name, keys in _GROUPINGS.items()
    }
    grouping = f"GROUPING({', '.join(_GROUPED)})"

    def case(choices: list[tuple[int, str]]) -> str:
        return f"CASE {grouping} {' '.join(f'WHEN {m} THEN {v}' for m, v in choices)} END"

    names = case([(masks[name], f"'{name}'") for name in _GROUPINGS])
    firsts = case([(masks[n], f"CAST({k[0]} AS TEXT)") for n, k in _GROUPINGS.items() if k])
    seconds = case(
        [(masks[n], f"CAST({k[1]} AS TEXT)") for n, k in _GROUPINGS.items() if len(k) > 1]
    )
    sets = ", ".join(f"({', '.join(keys)})" for keys in _GROUPINGS.values())
    return (
        f"SELECT {names}, {firsts}, {seconds}, COUNT(*), SUM(recurring) "
        f"FROM base GROUP BY GROUPING SETS ({sets})"
    )


def _date(text: str) -> date:
    return date.fromisoformat(text[:10])


def _id(text: str | None) -> int | None:
    return int(text) if text else None


def _top(counts: dict[Any, int], limit: int, tie_break) -> list[tuple[Any, int]]:
    """The ``limit`` largest counts, ties broken by ``tie_break(keys)`` (a sort key per key),
    which is asked only about the keys that can make the cut."""
    if not counts:
        return []
    cut = sorted(counts.values(), reverse=True)[:limit][-1]
    contenders = [key for key, count in counts.items() if count >= cut]
    order = tie_break(contenders)
    return sorted(
        ((key, counts[key]) for key in contenders), key=lambda kv: (-kv[1], order[kv[0]])
    )[:limit]


# -- volumes and trends ------------------------------------------------------------------------


def total_lessons(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    counts: LessonCounts | None = None,
) -> int:
    """How many lessons the figures count."""
    return (counts or count_lessons(user, filters)).total


def _month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def lessons_per_month(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    counts: LessonCounts | None = None,
) -> list[dict[str, Any]]:
    """Lessons by the month they occurred, with empty months between filled in."""
    monthly = (counts or count_lessons(user, filters)).counts("month")
    per_month = {_date(month): count for (month,), count in monthly.items() if month}
    if not per_month:
        return []
    rows, month = [], min(per_month)
    while month <= max(per_month):
        last_day = _month_after(month) - timedelta(days=1)
        rows.append(
            {
                "month": month,
                "count": per_month.get(month, 0),
                "url": filters.search_url(period=(month, last_day)),
            }
        )
        month = _month_after(month)
    return rows


def _as_date(value: Any) -> date:
    """Trunc on a DateField gives a date; some backends hand back a datetime."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def lessons_per_project(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    limit: int = TOP_SIZE,
    counts: LessonCounts | None = None,
) -> list[dict[str, Any]]:
    """The projects that captured the most lessons, each with its phase reviews' counts.

    Two queries besides the counts: the projects that can make the list, and their reviews.
    """
    counts = counts or count_lessons(user, filters)
    per_project = {int(key): count for (key,), count in counts.counts("project").items()}
    per_review = {int(key): count for (key,), count in counts.counts("review").items() if key}
    projects: dict[int, Project] = {}

    def by_code(ids):
        projects.update(Project.objects.only("code", "name").in_bulk(ids))
        return {pk: projects[pk].code for pk in ids}

    top = _top(per_project, limit, by_code)
    reviews: dict[int, list[dict[str, Any]]] = {}
    for review in (
        PhaseReview.objects.filter(pk__in=per_review, project_id__in=[pk for pk, _ in top])
        .select_related("phase")
        .order_by("held_on", "pk")
    ):
        reviews.setdefault(review.project_id, []).append(
            {
                "id": review.pk,
                "held_on": review.held_on,
                "phase": review.phase.name if review.phase else "",
                "count": per_review[review.pk],
                "url": reverse(
                    "projects:review", args=[projects[review.project_id].code, review.pk]
                ),
            }
        )
    return [
        {
            "code": projects[pk].code,
            "name": projects[pk].name,
            "count": count,
            "url": filters.search_url(project=projects[pk].code),
            "reviews": reviews.get(pk, []),
        }
        for pk, count in top
    ]


def applied_share(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    counts: LessonCounts | None = None,
) -> dict[str, Any]:
    """Published lessons applied in at least one later project (not their own).

    The applied ones are found from the applications (few) rather than by probing every
    lesson for one: on 100,000 lessons that is milliseconds instead of half a second. One
    query besides the counts.
    """
    total = (counts or count_lessons(user, filters)).total
    applied = (
        Application.objects.filter(lesson__in=lessons(user, filters).values("pk"))
        .exclude(project_id=F("lesson__project_id"))
        .values("lesson_id")
        .distinct()
        .count()
    )
    return {"total": total, "applied": applied, "pct": _pct(applied, total)}


def _quarter_label(quarter: date) -> str:
    return f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"


def recurring_per_quarter(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    counts: LessonCounts | None = None,
) -> list[dict[str, Any]]:
    """Per quarter: the lessons, and how many of them repeat an earlier lesson."""
    quarters: dict[date, list[int]] = {}
    for (month,), (total, recurring) in (
        (counts or count_lessons(user, filters)).groups["month"].items()
    ):
        if not month:
            continue
        first = _date(month)
        quarter = quarters.setdefault(first.replace(month=(first.month - 1) // 3 * 3 + 1), [0, 0])
        quarter[0] += total
        quarter[1] += recurring
    result = []
    for quarter, (total, recurring) in sorted(quarters.items()):
        end = _month_after(_month_after(_month_after(quarter))) - timedelta(days=1)
        result.append(
            {
                "quarter": quarter,
                "label": _quarter_label(quarter),
                "total": total,
                "recurring": recurring,
                "pct": _pct(recurring, total),
                "url": filters.search_url(period=(quarter, end)),
            }
        )
    return result


# -- applications ------------------------------------------------------------------------------


def applications(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> QuerySet[Application]:
    """Applications of visible lessons, by the applying project and the day applied."""
    return Application.objects.filter(
        Q(lesson__in=visible_lessons(user)),
        _project_filters(filters, "project__"),
        _period(filters, "applied_on"),
    )


def hours_saved(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> dict:
    """Hours saved by applications, and how many applications reported them. One query."""
    counts = applications(user, filters).aggregate(
        applications=Count("pk"),
        reported=Count("pk", filter=Q(hours_saved__isnull=False)),
        hours=Sum("hours_saved"),
    )
    return {**counts, "hours": counts["hours"] or Decimal("0")}


# -- use ---------------------------------------------------------------------------------------


def most_viewed(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS, limit: int = TOP_SIZE
) -> list[dict[str, Any]]:
    """The lessons opened most often on days within the period. One query."""
    rows = (
        LessonViewDay.objects.filter(
            Q(lesson__in=visible_lessons(user)),
            _project_filters(filters, "lesson__project__"),
            _period(filters, "day"),
        )
        .values("lesson_id", "lesson__title")
        .annotate(views=Sum("count"))
        .order_by("-views", "lesson_id")[:limit]
    )
    return [
        {
            "id": row["lesson_id"],
            "title": row["lesson__title"],
            "views": row["views"],
            "url": reverse("lessons:detail", args=[row["lesson_id"]]),
        }
        for row in rows
    ]


def rating_distribution(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> list[dict[str, Any]]:
    """How many ratings of each score (1..5) the counted lessons received. One query."""
    counted = dict(
        Rating.objects.filter(lesson__in=lessons(user, filters))
        .values_list("score")
        .annotate(count=Count("pk"))
        .values_list("score", "count")
    )
    total = sum(counted.values())
    return [
        {"score": score, "count": counted.get(score, 0), "pct": _pct(counted.get(score, 0), total)}
        for score in range(1, 6)
    ]


# -- actions -----------------------------------------------------------------------------------


def actions(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> QuerySet[Action]:
    """Actions on visible lessons whose project matches the filters (no period)."""
    return Action.objects.filter(
        Q(lesson__in=visible_lessons(user)), _project_filters(filters, "lesson__project__")
    )


def action_list(
    user: User | AnonymousUser, filters: InsightFilters, state: str | None
) -> QuerySet[Action]:
    """The actions the action figures count, to list: open and overdue ones as they are
    today, done ones by the day they were done within the period."""
    selected = actions(user, filters).select_related("lesson", "owner")
    if state == "done":
        selected = selected.filter(_period(filters, "completed_on"))
    return selected.order_by("due_on", "pk")


def action_figures(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> dict:
    """Open and overdue actions today; actions done in the period and the median days they
    took from creation to completion. Two queries.
    """
    today = timezone.localdate()
    selected = actions(user, filters)
    open_now = Q(status__in=OPEN_STATUSES)
    done = Q(status=Action.Status.DONE) & _period(filters, "completed_on")
    counts = selected.aggregate(
        open=Count("pk", filter=open_now),
        overdue=Count("pk", filter=open_now & Q(due_on__lt=today)),
        done=Count("pk", filter=done),
    )
    durations = [
        (completed - timezone.localdate(created)).days
        for created, completed in selected.filter(done, completed_on__isnull=False).values_list(
            "created_at", "completed_on"
        )
    ]
    median = statistics.median(durations) if durations else None
    return {**counts, "median_days_to_close": median}


def action_matrix(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> dict:
    """Open actions by impact (rows, 5 first) x effort (columns, 1..5). One query."""
    counted = {
        (impact, effort): count
        for impact, effort, count in actions(user, filters)
        .filter(status__in=OPEN_STATUSES)
        .values_list("impact", "effort")
        .annotate(count=Count("pk"))
        .values_list("impact", "effort", "count")
    }
    return _matrix(
        rows=[(impact, str(impact)) for impact in range(5, 0, -1)],
        columns=[(effort, str(effort)) for effort in range(1, 6)],
        counts=counted,
        url=lambda impact, effort: filters.actions_url(state="open", impact=impact, effort=effort),
    )


# -- heat maps ---------------------------------------------------------------------------------


def _level(count: int, highest: int) -> int:
    """The shade of a cell: 0 when empty, else 1..HEAT_LEVELS by its share of the highest."""
    if not count or not highest:
        return 0
    return max(1, -(-count * HEAT_LEVELS // highest))  # ceiling division


def _matrix(rows, columns, counts, url) -> dict[str, Any]:
    """A heat map: ``rows`` and ``columns`` as (key, label), ``counts`` by (row, column)."""
    highest = max(counts.values(), default=0)
    return {
        "columns": [label for _, label in columns],
        "rows": [
            {
                "label": row_label,
                "total": sum(counts.get((row, column), 0) for column, _ in columns),
                "cells": [
                    {
                        "column": column_label,
                        "count": counts.get((row, column), 0),
                        "level": _level(counts.get((row, column), 0), highest),
                        "url": url(row, column) if counts.get((row, column)) else None,
                    }
                    for column, column_label in columns
                ],
            }
            for row, row_label in rows
        ],
        "total": sum(counts.values()),
    }


def _phase_order(name: str | None) -> tuple[int, str]:
    """Default phases in their usual order, then others by name, then "no phase"."""
    if name is None:
        return (len(DEFAULT_PHASES) + 1, "")
    return (DEFAULT_PHASES.index(name) if name in DEFAULT_PHASES else len(DEFAULT_PHASES), name)


def category_phase_heatmap(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    counts: LessonCounts | None = None,
) -> dict[str, Any]:
    """Lessons by category (rows) x phase name (columns). One query besides the counts.

    Lessons without a category or phase are in a "None" row or column, not linked: the
    search has no parameter for "no category".
    """
    counts = counts or count_lessons(user, filters)
    counted = counts.counts("category_phase")
    categories = counts.categories
    cells = {(categories.get(_id(c), (None, None))[0], p): n for (c, p), n in counted.items()}
    rows = sorted({categories.get(_id(c), (None, None)) for c, _ in counted}, key=_nones_last)
    phases = sorted({p for _, p in counted}, key=lambda n: (n is None, _phase_order(n or "")))
    return _matrix(
        rows=[(slug, name or "None") for slug, name in rows],
        columns=[(phase, phase or "None") for phase in phases],
        counts=cells,
        url=lambda slug, phase: (
            filters.search_url(category=slug, phase=phase) if slug and phase else None
        ),
    )


def _nones_last(pair: tuple[str | None, str | None]) -> tuple[bool, str]:
    return (pair[0] is None, pair[1] or "")


def project_type_category_heatmap(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    counts: LessonCounts | None = None,
) -> dict[str, Any]:
    """Lessons by project type (rows) x category (columns). Up to three queries besides the
    counts (the categories, the project types, and the projects' types), shared with the
    other figures of the same counts."""
    counts = counts or count_lessons(user, filters)
    per_project = counts.counts("project_category")
    categories, types, type_of = counts.categories, counts.project_types, counts.type_of_project
    cells: dict[tuple[str | None, str | None], int] = {}
    for (project, category), n in per_project.items():
        key = (
            types.get(type_of.get(_id(project)), (None, None))[0],
            categories.get(_id(category), (None, None))[0],
        )
        cells[key] = cells.get(key, 0) + n
    rows = sorted(
        {types.get(type_of.get(_id(p)), (None, None)) for p, _ in per_project}, key=_nones_last
    )
    columns = sorted(
        {categories.get(_id(c), (None, None)) for _, c in per_project}, key=_nones_last
    )
    return _matrix(
        rows=rows,
        columns=[(slug, name or "None") for slug, name in columns],
        counts=cells,
        url=lambda type_slug, category: (
            filters.search_url(project_type=type_slug, category=category) if category else None
        ),
    )


def risk_matrix(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    counts: LessonCounts | None = None,
) -> dict:
    """Lessons by likelihood of recurrence (rows, likely first) x impact (columns); each
    cell links to the search for that likelihood and impact."""
    return _matrix(
        rows=list(reversed(Lesson.Likelihood.choices)),
        columns=list(Lesson.Impact.choices),
        counts=(counts or count_lessons(user, filters)).counts("risk"),
        url=lambda likelihood, impact: filters.search_url(likelihood=likelihood, impact=impact),
    )


# -- recognition -------------------------------------------------------------------------------


def _person(row: dict[str, Any], prefix: str) -> str:
    full = f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()
    return full or row[prefix + "username"]


def recognition(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    limit: int = TOP_SIZE,
    counts: LessonCounts | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Who contributed and applied the most lessons, as people and as departments (teams).

    Anonymous lessons are never counted toward anyone, not even their own department: the
    submitter is forgotten once sent, and is excluded in the counts as well. Five queries
    besides the counts: contributors' names and departments, the departments' names,
    appliers and applying teams.
    """
    counts = counts or count_lessons(user, filters)
    people: dict[int, User] = {}

    def by_last_name(ids):
        people.update(
            get_user_model().objects.only("first_name", "last_name", "username").in_bulk(ids)
        )
        return {pk: (people[pk].last_name, pk) for pk in ids}

    per_person = {int(key): n for (key,), n in counts.counts("submitter").items() if key}
    contributors = _top(per_person, limit, by_last_name)
    per_team: dict[int, int] = {}
    for pk, department in (
        get_user_model()
        .objects.filter(pk__in=per_person, department__isnull=False)
        .values_list("pk", "department_id")
    ):
        per_team[department] = per_team.get(department, 0) + per_person[pk]
    team_names = dict(Department.objects.filter(pk__in=per_team).values_list("pk", "name"))
    contributing_teams = _top(per_team, limit, lambda ids: {pk: team_names[pk] for pk in ids})
    person = ["first_name", "last_name", "username"]
    applied = applications(user, filters).filter(applied_by__isnull=False)
    appliers = (
        applied.values("applied_by_id", *(f"applied_by__{f}" for f in person))
        .annotate(count=Count("pk"))
        .order_by("-count", "applied_by__last_name", "applied_by_id")[:limit]
    )
    applying_teams = (
        applied.filter(applied_by__department__isnull=False)
        .values("applied_by__department__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "applied_by__department__name")[:limit]
    )
    return {
        "contributors": [
            {"name": people[pk].display_name, "count": count} for pk, count in contributors
        ],
        "contributing_teams": [
            {"name": team_names[pk], "count": count} for pk, count in contributing_teams
        ],
        "appliers": [{"name": _person(r, "applied_by__"), "count": r["count"]} for r in appliers],
        "applying_teams": [
            {"name": r["applied_by__department__name"], "count": r["count"]} for r in applying_teams
        ],
    }


# -- project outcomes ------------------------------------------------------------------------


OUTCOME_GROUPS = (
    (True, "applied", "Applied lessons"),
    (False, "not_applied", "Applied no lessons"),
)


def _outcome_counts(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    success = counts.get(Project.Outcome.SUCCESS, 0)
    return {
        "count": total,
        "success": success,
        "partial": counts.get(Project.Outcome.PARTIAL, 0),
        "failed": counts.get(Project.Outcome.FAILED, 0),
        "rate": _pct(success, total),
    }


def project_outcomes(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> dict[str, Any]:
    """Success rate of closed projects that applied lessons against those that did not.

    Counted: closed projects with a recorded outcome, of the chosen department and project
    type, whose ``end_date`` is within the period (a project without an end date is left out
    once a period is chosen, and out of the years always). Projects are open to everyone
    signed in, but a project "applied lessons" only through an application of a lesson in
    this viewer's published collection (``visible_lessons``), so a hidden lesson never shows
    through. The success rate is successes over all outcomes (partial is not a success).
    One query.
    """
    applied = Exists(
        Application.objects.filter(project=OuterRef("pk"), lesson__in=visible_lessons(user))
    )
    rows = (
        Project.objects.filter(
            Q(status=Project.Status.CLOSED, outcome__isnull=False),
            _project_filters(filters, ""),
            _period(filters, "end_date"),
        )
        .annotate(applied=applied, year=ExtractYear("end_date"))
        .values("applied", "year", "outcome")
        .annotate(count=Count("pk"))
        .order_by()
    )
    totals: dict[bool, dict[str, int]] = {True: {}, False: {}}
    years: dict[int, dict[bool, dict[str, int]]] = {}
    for row in rows:
        group, outcome, count = bool(row["applied"]), row["outcome"], row["count"]
        totals[group][outcome] = totals[group].get(outcome, 0) + count
        if row["year"] is not None:
            year = years.setdefault(row["year"], {True: {}, False: {}})
            year[group][outcome] = year[group].get(outcome, 0) + count
    return {
        "groups": [
            {"key": key, "label": label, **_outcome_counts(totals[group])}
            for group, key, label in OUTCOME_GROUPS
        ],
        "per_year": [
            {
                "year": year,
                **{key: _outcome_counts(years[year][group]) for group, key, _ in OUTCOME_GROUPS},
            }
            for year in sorted(years)
        ],
        "total": sum(sum(counts.values()) for counts in totals.values()),
    }


# -- themes ------------------------------------------------------------------------------------


def _pair(first: Any, second: Any, count: int, filters: InsightFilters) -> dict[str, Any]:
    """A tag pair, linked to the lessons carrying both (``tag_all``). Tags as Tag or rows."""
    return {
        "first": {"name": first.name, "slug": first.slug},
        "second": {"name": second.name, "slug": second.slug},
        "count": count,
        "url": filters.search_url(tag_all=[first.slug, second.slug]),
    }


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
    types = counts.project_types
    by_type: dict[str, Any] = _matrix(rows=[], columns=[], counts={}, url=None)
    if tags:
        slugs = {tag["id"]: tag["slug"] for tag in tags}
        by_type = _matrix(
            rows=[(tag["id"], tag["name"]) for tag in tags],
            columns=sorted(
                {types.get(t, (None, None)) for _, t in counts.tag_types}, key=_nones_last
            ),
            counts={
                (tag_id, types.get(t, (None, None))[0]): n
                for (tag_id, t), n in counts.tag_types.items()
            },
            url=lambda tag_id, type_slug: filters.search_url(
                tag=slugs[tag_id], project_type=type_slug
            ),
        )
    return {"tags": tags, "pairs": _pairs(user, filters, counts, named, limit), "by_type": by_type}


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


def dashboard(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> dict:
    """Every figure of /insights/, in a fixed number of queries."""
    counts = count_lessons(user, filters)
    per_month = lessons_per_month(user, filters, counts)
    highest = max((row["count"] for row in per_month), default=0)
    return {
        "total": counts.total,
        "per_month": per_month,
        "per_month_highest": highest,
        "per_project": lessons_per_project(user, filters, counts=counts),
        "applied": applied_share(user, filters, counts),
        "recurring": recurring_per_quarter(user, filters, counts),
        "hours": hours_saved(user, filters),
        "most_viewed": most_viewed(user, filters),
        "ratings": rating_distribution(user, filters),
        "actions": action_figures(user, filters),
        "action_matrix": action_matrix(user, filters),
        "category_phase": category_phase_heatmap(user, filters, counts),
        "type_category": project_type_category_heatmap(user, filters, counts),
        "risk": risk_matrix(user, filters, counts),
        "recognition": recognition(user, filters, counts=counts),
        "outcomes": project_outcomes(user, filters),
        "themes": themes(user, filters, counts=counts),
    }


# -- the page ----------------------------------------------------------------------------------
