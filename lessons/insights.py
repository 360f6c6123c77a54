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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear, TruncMonth, TruncQuarter
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from lessons.models import Action, Application, Lesson, LessonViewDay, Rating
from projects.models import DEFAULT_PHASES, Project

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

    def search_params(self) -> dict[str, str]:
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

        ``extra`` values override the filters; a ``(first, last)`` date pair narrows the
        period to its overlap with the chosen one.
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
        params.update({key: str(value) for key, value in extra.items()})
        query = urlencode(params)
        return reverse("lessons:list") + (f"?{query}" if query else "")


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


# -- volumes and trends ------------------------------------------------------------------------


def total_lessons(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> int:
    """One query."""
    return lessons(user, filters).count()


def _month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def lessons_per_month(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> list[dict[str, Any]]:
    """Lessons by the month they occurred, with empty months between filled in. One query."""
    counted = dict(
        lessons(user, filters)
        .exclude(occurred_on=None)
        .annotate(month=TruncMonth("occurred_on"))
        .values_list("month")
        .annotate(count=Count("pk"))
        .order_by("month")
        .values_list("month", "count")
    )
    if not counted:
        return []
    months = [_as_date(month) for month in counted]
    counts = {_as_date(month): count for month, count in counted.items()}
    rows, month = [], min(months)
    while month <= max(months):
        last_day = _month_after(month) - timedelta(days=1)
        count = counts.get(month, 0)
        rows.append(
            {
                "month": month,
                "count": count,
                "url": filters.search_url(period=(month, last_day)),
            }
        )
        month = _month_after(month)
    return rows


def _as_date(value: Any) -> date:
    """Trunc on a DateField gives a date; some backends hand back a datetime."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def lessons_per_project(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS, limit: int = TOP_SIZE
) -> list[dict[str, Any]]:
    """The projects that captured the most lessons, each with its phase reviews' counts.

    Two queries: the projects, then the reviews of those projects.
    """
    selected = lessons(user, filters)
    projects = list(
        selected.values("project_id", "project__code", "project__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "project__code")[:limit]
    )
    reviews: dict[int, list[dict[str, Any]]] = {}
    if projects:
        rows = (
            selected.filter(
                review__isnull=False, project_id__in=[row["project_id"] for row in projects]
            )
            .values("project_id", "review_id", "review__held_on", "review__phase__name")
            .annotate(count=Count("pk"))
            .order_by("review__held_on", "review_id")
        )
        for row in rows:
            reviews.setdefault(row["project_id"], []).append(
                {
                    "id": row["review_id"],
                    "held_on": row["review__held_on"],
                    "phase": row["review__phase__name"] or "",
                    "count": row["count"],
                }
            )
    return [
        {
            "code": row["project__code"],
            "name": row["project__name"],
            "count": row["count"],
            "url": filters.search_url(project=row["project__code"]),
            "reviews": [
                {
                    **review,
                    "url": reverse("projects:review", args=[row["project__code"], review["id"]]),
                }
                for review in reviews.get(row["project_id"], [])
            ],
        }
        for row in projects
    ]


def applied_share(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> dict[str, Any]:
    """Published lessons applied in at least one later project (not their own). Two queries.

    The applied ones are found from the applications (few) rather than by probing every
    lesson for one: on 100,000 lessons that is milliseconds instead of half a second.
    """
    counted = lessons(user, filters)
    total = counted.count()
    applied = (
        Application.objects.filter(lesson__in=counted.values("pk"))
        .exclude(project_id=F("lesson__project_id"))
        .values("lesson_id")
        .distinct()
        .count()
    )
    return {"total": total, "applied": applied, "pct": _pct(applied, total)}


def _quarter_label(quarter: date) -> str:
    return f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"


def recurring_per_quarter(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> list[dict[str, Any]]:
    """Per quarter: the lessons, and how many of them repeat an earlier lesson. One query."""
    rows = (
        lessons(user, filters)
        .exclude(occurred_on=None)
        .annotate(quarter=TruncQuarter("occurred_on"))
        .values("quarter")
        .annotate(total=Count("pk"), recurring=Count("pk", filter=Q(recurrence_of__isnull=False)))
        .order_by("quarter")
    )
    result = []
    for row in rows:
        quarter = _as_date(row["quarter"])
        end = _month_after(_month_after(_month_after(quarter))) - timedelta(days=1)
        result.append(
            {
                "quarter": quarter,
                "label": _quarter_label(quarter),
                "total": row["total"],
                "recurring": row["recurring"],
                "pct": _pct(row["recurring"], row["total"]),
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
        url=lambda row, column: None,
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
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> dict[str, Any]:
    """Lessons by category (rows) x phase name (columns). One query.

    Lessons without a category or phase are in a "None" row or column, not linked: the
    search has no parameter for "no category".
    """
    rows = list(
        lessons(user, filters)
        .values("category__slug", "category__name", "phase__name")
        .annotate(count=Count("pk"))
    )
    categories = sorted({(r["category__slug"], r["category__name"]) for r in rows}, key=_nones_last)
    phases = sorted(
        {r["phase__name"] for r in rows}, key=lambda n: (n is None, _phase_order(n or ""))
    )
    counts = {(r["category__slug"], r["phase__name"]): r["count"] for r in rows}
    return _matrix(
        rows=[(slug, name or "None") for slug, name in categories],
        columns=[(phase, phase or "None") for phase in phases],
        counts=counts,
        url=lambda slug, phase: (
            filters.search_url(category=slug, phase=phase) if slug and phase else None
        ),
    )


def _nones_last(pair: tuple[str | None, str | None]) -> tuple[bool, str]:
    return (pair[0] is None, pair[1] or "")


def project_type_category_heatmap(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> dict[str, Any]:
    """Lessons by project type (rows) x category (columns). One query."""
    rows = list(
        lessons(user, filters)
        .values(
            "project__project_type__slug",
            "project__project_type__name",
            "category__slug",
            "category__name",
        )
        .annotate(count=Count("pk"))
    )
    types = sorted(
        {(r["project__project_type__slug"], r["project__project_type__name"]) for r in rows},
        key=_nones_last,
    )
    categories = sorted({(r["category__slug"], r["category__name"]) for r in rows}, key=_nones_last)
    counts = {(r["project__project_type__slug"], r["category__slug"]): r["count"] for r in rows}
    return _matrix(
        rows=[(slug, name) for slug, name in types],
        columns=[(slug, name or "None") for slug, name in categories],
        counts=counts,
        url=lambda type_slug, category: (
            filters.search_url(project_type=type_slug, category=category) if category else None
        ),
    )


def risk_matrix(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> dict:
    """Lessons by likelihood of recurrence (rows, likely first) x impact (columns). One query.

    Cells link to the search by impact only: /lessons/ has no likelihood parameter.
    """
    counts = {
        (likelihood, impact): count
        for likelihood, impact, count in lessons(user, filters)
        .values_list("likelihood", "impact")
        .annotate(count=Count("pk"))
        .values_list("likelihood", "impact", "count")
    }
    return _matrix(
        rows=list(reversed(Lesson.Likelihood.choices)),
        columns=list(Lesson.Impact.choices),
        counts=counts,
        url=lambda likelihood, impact: None,
    )


# -- recognition -------------------------------------------------------------------------------


def _person(row: dict[str, Any], prefix: str) -> str:
    full = f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()
    return full or row[prefix + "username"]


def recognition(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS, limit: int = TOP_SIZE
) -> dict[str, list[dict[str, Any]]]:
    """Who contributed and applied the most lessons, as people and as departments (teams).

    Anonymous lessons are never counted toward anyone, not even their own department: the
    submitter is forgotten once sent, and is excluded here explicitly as well. Four queries.
    """
    named = lessons(user, filters).filter(is_anonymous=False, submitted_by__isnull=False)
    person = ["first_name", "last_name", "username"]
    contributors = (
        named.values("submitted_by_id", *(f"submitted_by__{f}" for f in person))
        .annotate(count=Count("pk"))
        .order_by("-count", "submitted_by__last_name", "submitted_by_id")[:limit]
    )
    contributing_teams = (
        named.filter(submitted_by__department__isnull=False)
        .values("submitted_by__department__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "submitted_by__department__name")[:limit]
    )
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
            {"name": _person(r, "submitted_by__"), "count": r["count"]} for r in contributors
        ],
        "contributing_teams": [
            {"name": r["submitted_by__department__name"], "count": r["count"]}
            for r in contributing_teams
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


def _tag_pairs(selected: QuerySet[Lesson], limit: int) -> list[dict[str, Any]]:
    """The most frequent pairs of tags on one lesson of ``selected``: one self-join of
    taggit's tagged items (a < b by tag id), restricted to the selected lesson ids.
    """
    ids_sql, ids_params = selected.order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    items, tags = quote(TaggedItem._meta.db_table), quote(Tag._meta.db_table)
    sql = f"""
        SELECT ta.name, ta.slug, tb.name, tb.slug, COUNT(*) AS lessons
        FROM {items} a
        JOIN {items} b ON b.object_id = a.object_id
            AND b.content_type_id = a.content_type_id AND a.tag_id < b.tag_id
        JOIN {tags} ta ON ta.id = a.tag_id
        JOIN {tags} tb ON tb.id = b.tag_id
        WHERE a.content_type_id = %s AND a.object_id IN ({ids_sql})
        GROUP BY a.tag_id, b.tag_id, ta.name, ta.slug, tb.name, tb.slug
        ORDER BY lessons DESC, ta.name, tb.name
        LIMIT %s
    """  # Only quoted table names and the ORM's own SQL are formatted in; values are params.
    lesson_type = ContentType.objects.get_for_model(Lesson)
    with connection.cursor() as cursor:
        cursor.execute(sql, [lesson_type.pk, *ids_params, limit])
        rows = cursor.fetchall()
    return [
        {
            "first": {"name": first, "slug": first_slug},
            "second": {"name": second, "slug": second_slug},
            "count": count,
        }
        for first, first_slug, second, second_slug, count in rows
    ]


def themes(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS, limit: int = 15
) -> dict[str, Any]:
    """Recurring themes: the most frequent tags and tag pairs, and the top tags by project type.

    Counted over the lessons every figure counts (``lessons``). A tag links to the search for
    it within the filters. A pair is not linked: options of one search parameter are
    alternatives (``tag=a&tag=b`` lists lessons with a *or* b), so no search lists exactly
    the lessons carrying both. Three queries (two when no lesson is tagged).
    """
    selected = lessons(user, filters)
    top = list(
        selected.filter(tags__isnull=False)
        .values("tags__id", "tags__name", "tags__slug")
        .annotate(lessons=Count("pk", distinct=True), projects=Count("project_id", distinct=True))
        .order_by("-lessons", "tags__name")[:limit]
    )
    tags = [
        {
            "id": row["tags__id"],
            "name": row["tags__name"],
            "slug": row["tags__slug"],
            "lessons": row["lessons"],
            "projects": row["projects"],
            "url": filters.search_url(tag=row["tags__slug"]),
        }
        for row in top
    ]
    pairs = _tag_pairs(selected, limit)
    by_type: dict[str, Any] = _matrix(rows=[], columns=[], counts={}, url=None)
    if tags:
        rows = list(
            selected.filter(tags__id__in=[tag["id"] for tag in tags])
            .values("tags__id", "project__project_type__slug", "project__project_type__name")
            .annotate(count=Count("pk", distinct=True))
        )
        types = sorted(
            {(r["project__project_type__slug"], r["project__project_type__name"]) for r in rows},
            key=_nones_last,
        )
        slugs = {tag["id"]: tag["slug"] for tag in tags}
        by_type = _matrix(
            rows=[(tag["id"], tag["name"]) for tag in tags],
            columns=types,
            counts={(r["tags__id"], r["project__project_type__slug"]): r["count"] for r in rows},
            url=lambda tag_id, type_slug: filters.search_url(
                tag=slugs[tag_id], project_type=type_slug
            ),
        )
    return {"tags": tags, "pairs": pairs, "by_type": by_type}


# -- the page ----------------------------------------------------------------------------------


def dashboard(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> dict:
    """Every figure of /insights/, in a fixed number of queries."""
    per_month = lessons_per_month(user, filters)
    highest = max((row["count"] for row in per_month), default=0)
    return {
        "total": total_lessons(user, filters),
        "per_month": per_month,
        "per_month_highest": highest,
        "per_project": lessons_per_project(user, filters),
        "applied": applied_share(user, filters),
        "recurring": recurring_per_quarter(user, filters),
        "hours": hours_saved(user, filters),
        "most_viewed": most_viewed(user, filters),
        "ratings": rating_distribution(user, filters),
        "actions": action_figures(user, filters),
        "action_matrix": action_matrix(user, filters),
        "category_phase": category_phase_heatmap(user, filters),
        "type_category": project_type_category_heatmap(user, filters),
        "risk": risk_matrix(user, filters),
        "recognition": recognition(user, filters),
        "outcomes": project_outcomes(user, filters),
        "themes": themes(user, filters),
    }
