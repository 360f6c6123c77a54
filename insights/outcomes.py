"""Project outcomes: do closed projects that applied lessons succeed more often?"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractYear

from insights.filters import NO_FILTERS, InsightFilters
from insights.lesson_counts import visible_lessons
from insights.tables import percent
from lessons.models import Application
from projects.models import Project

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

OUTCOME_GROUPS = (
    (True, "applied", "Applied lessons"),
    (False, "not_applied", "Applied no lessons"),
)
# Per group (applied lessons or not), the projects per outcome.
OutcomeCounts = dict[bool, dict[str, int]]


def _outcome_counts(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    success = counts.get(Project.Outcome.SUCCESS, 0)
    return {
        "count": total,
        "success": success,
        "partial": counts.get(Project.Outcome.PARTIAL, 0),
        "failed": counts.get(Project.Outcome.FAILED, 0),
        "rate": percent(success, total),
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
    totals, years = _count_outcomes(user, filters)
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


def _count_outcomes(
    user: User | AnonymousUser, filters: InsightFilters
) -> tuple[OutcomeCounts, dict[int, OutcomeCounts]]:
    """The counted projects per group and outcome: in all, and per year they ended."""
    applied = Exists(
        Application.objects.filter(project=OuterRef("pk"), lesson__in=visible_lessons(user))
    )
    rows = (
        Project.objects.filter(
            Q(status=Project.Status.CLOSED, outcome__isnull=False),
            filters.of_projects(""),
            filters.in_period("end_date"),
        )
        .annotate(applied=applied, year=ExtractYear("end_date"))
        .values("applied", "year", "outcome")
        .annotate(count=Count("pk"))
        .order_by()
    )
    totals: OutcomeCounts = {True: {}, False: {}}
    years: dict[int, OutcomeCounts] = {}
    for row in rows:
        group, outcome, count = bool(row["applied"]), row["outcome"], row["count"]
        totals[group][outcome] = totals[group].get(outcome, 0) + count
        if row["year"] is not None:
            year = years.setdefault(row["year"], {True: {}, False: {}})
            year[group][outcome] = year[group].get(outcome, 0) + count
    return totals, years
