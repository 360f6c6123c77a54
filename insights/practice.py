"""Lessons put into practice: applications and hours saved, views, ratings, and actions.

Each figure starts from the lessons the viewer may see (``visible_lessons``), so it never
counts the use of a lesson its viewer may not see. Applications are filtered by ``applied_on``
for the period and by the applying project's department and type, since that is where the
time was saved; views by the day they happened; done actions by ``completed_on``. Open and
overdue actions are today's state.
"""

from __future__ import annotations

import statistics
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from insights.filters import NO_FILTERS, InsightFilters
from insights.lesson_counts import lessons, visible_lessons
from insights.tables import TOP_SIZE, matrix, percent
from lessons.models import Action, Application, LessonViewDay, Rating

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

OPEN_STATUSES = (Action.Status.OPEN, Action.Status.IN_PROGRESS)


# -- applications ------------------------------------------------------------------------------


def applications(
    user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS
) -> QuerySet[Application]:
    """Applications of visible lessons, by the applying project and the day applied."""
    return Application.objects.filter(
        Q(lesson__in=visible_lessons(user)),
        filters.of_projects("project__"),
        filters.in_period("applied_on"),
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
            filters.of_projects("lesson__project__"),
            filters.in_period("day"),
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
        {
            "score": score,
            "count": counted.get(score, 0),
            "pct": percent(counted.get(score, 0), total),
        }
        for score in range(1, 6)
    ]


# -- actions -----------------------------------------------------------------------------------


def actions(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> QuerySet[Action]:
    """Actions on visible lessons whose project matches the filters (no period)."""
    return Action.objects.filter(
        Q(lesson__in=visible_lessons(user)), filters.of_projects("lesson__project__")
    )


def action_list(
    user: User | AnonymousUser, filters: InsightFilters, state: str | None
) -> QuerySet[Action]:
    """The actions the action figures count, to list: open and overdue ones as they are
    today, done ones by the day they were done within the period."""
    selected = actions(user, filters).select_related("lesson", "owner")
    if state == "done":
        selected = selected.filter(filters.in_period("completed_on"))
    return selected.order_by("due_on", "pk")


def action_figures(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> dict:
    """Open and overdue actions today; actions done in the period and the median days they
    took from creation to completion. Two queries.
    """
    today = timezone.localdate()
    selected = actions(user, filters)
    open_now = Q(status__in=OPEN_STATUSES)
    done = Q(status=Action.Status.DONE) & filters.in_period("completed_on")
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
    return matrix(
        rows=[(impact, str(impact)) for impact in range(5, 0, -1)],
        columns=[(effort, str(effort)) for effort in range(1, 6)],
        counts=counted,
        url=lambda impact, effort: filters.actions_url(state="open", impact=impact, effort=effort),
    )
