"""Volumes and trends: how many lessons, per month, per project, applied, recurring.

Each figure reads the counts of ``count_lessons`` (computed once per page and handed in as
``counts``); the period is the lesson's ``occurred_on``, and a lesson without a date is out
of the month and quarter trends always.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.urls import reverse

from insights.filters import NO_FILTERS, InsightFilters
from insights.lesson_counts import LessonCounts, count_lessons, lessons
from insights.tables import TOP_SIZE, percent, top
from lessons.models import Application
from projects.models import PhaseReview, Project

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def _date(text: str) -> date:
    return date.fromisoformat(text[:10])


def _month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def total_lessons(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    counts: LessonCounts | None = None,
) -> int:
    """How many lessons the figures count."""
    return (counts or count_lessons(user, filters)).total


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

    ranked = top(per_project, limit, by_code)
    reviews = _reviews(per_review, projects, [pk for pk, _ in ranked])
    return [
        {
            "code": projects[pk].code,
            "name": projects[pk].name,
            "count": count,
            "url": filters.search_url(project=projects[pk].code),
            "reviews": reviews.get(pk, []),
        }
        for pk, count in ranked
    ]


def _reviews(
    per_review: dict[int, int], projects: dict[int, Project], listed: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Per listed project, its phase reviews that counted lessons, in the order held."""
    reviews: dict[int, list[dict[str, Any]]] = {}
    for review in (
        PhaseReview.objects.filter(pk__in=per_review, project_id__in=listed)
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
    return reviews


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
    return {"total": total, "applied": applied, "pct": percent(applied, total)}


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
                "pct": percent(recurring, total),
                "url": filters.search_url(period=(quarter, end)),
            }
        )
    return result
