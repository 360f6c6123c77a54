"""Recognition: who contributed and applied the most lessons, as people and as teams."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Count

from insights.filters import NO_FILTERS, InsightFilters
from insights.lesson_counts import LessonCounts, count_lessons
from insights.practice import applications
from insights.tables import TOP_SIZE, top
from projects.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

Ranking = list[dict[str, Any]]  # {"name", "count"}, the largest count first


def recognition(
    user: User | AnonymousUser,
    filters: InsightFilters = NO_FILTERS,
    limit: int = TOP_SIZE,
    counts: LessonCounts | None = None,
) -> dict[str, Ranking]:
    """Who contributed and applied the most lessons, as people and as departments (teams).

    Anonymous lessons are never counted toward anyone, not even their own department: the
    submitter is forgotten once sent, and is excluded in the counts as well. Five queries
    besides the counts: contributors' names and departments, the departments' names,
    appliers and applying teams.
    """
    counts = counts or count_lessons(user, filters)
    per_person = {int(key): n for (key,), n in counts.counts("submitter").items() if key}
    return {**_contributors(per_person, limit), **_appliers(user, filters, limit)}


def _contributors(per_person: dict[int, int], limit: int) -> dict[str, Ranking]:
    """The people who submitted the most counted lessons, and their departments."""
    people: dict[int, User] = {}

    def by_last_name(ids):
        people.update(
            get_user_model().objects.only("first_name", "last_name", "username").in_bulk(ids)
        )
        return {pk: (people[pk].last_name, pk) for pk in ids}

    contributors = top(per_person, limit, by_last_name)
    per_team: dict[int, int] = {}
    for pk, department in (
        get_user_model()
        .objects.filter(pk__in=per_person, department__isnull=False)
        .values_list("pk", "department_id")
    ):
        per_team[department] = per_team.get(department, 0) + per_person[pk]
    team_names = dict(Department.objects.filter(pk__in=per_team).values_list("pk", "name"))
    teams = top(per_team, limit, lambda ids: {pk: team_names[pk] for pk in ids})
    return {
        "contributors": [
            {"name": people[pk].display_name, "count": count} for pk, count in contributors
        ],
        "contributing_teams": [{"name": team_names[pk], "count": count} for pk, count in teams],
    }


def _person(row: dict[str, Any], prefix: str) -> str:
    full = f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()
    return full or row[prefix + "username"]


def _appliers(
    user: User | AnonymousUser, filters: InsightFilters, limit: int
) -> dict[str, Ranking]:
    """The people who applied the most visible lessons, and their departments."""
    person = ["first_name", "last_name", "username"]
    applied = applications(user, filters).filter(applied_by__isnull=False)
    appliers = (
        applied.values("applied_by_id", *(f"applied_by__{f}" for f in person))
        .annotate(count=Count("pk"))
        .order_by("-count", "applied_by__last_name", "applied_by_id")[:limit]
    )
    teams = (
        applied.filter(applied_by__department__isnull=False)
        .values("applied_by__department__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "applied_by__department__name")[:limit]
    )
    return {
        "appliers": [{"name": _person(r, "applied_by__"), "count": r["count"]} for r in appliers],
        "applying_teams": [
            {"name": r["applied_by__department__name"], "count": r["count"]} for r in teams
        ],
    }
