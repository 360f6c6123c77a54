"""Every KPI of /insights/, computed for one viewer (``dashboard``).

Each figure takes ``(user, filters)`` and starts from ``Lesson.objects.visible_to(user)``
(or from the ratings, views, actions and applications of lessons in it), so a figure never
counts what its viewer may not see. Each returns plain data (rows of dicts), no HTML, and
runs a fixed number of queries whatever the data. The figures live by theme:

- ``lesson_counts``: the lessons counted (the published collection that /lessons/ searches)
  and every count of them in one statement, which the lesson figures share;
- ``volumes``: lessons in all, per month, per project, applied, recurring per quarter;
- ``practice``: applications and hours saved, views, ratings, and actions;
- ``heatmaps``: lessons by category and phase, project type and category, likelihood and impact;
- ``recognition``: who contributed and applied the most lessons;
- ``outcomes``: success of closed projects that applied lessons against those that did not;
- ``themes``: the most frequent tags and tag pairs.

The period is the lesson's ``occurred_on`` (inclusive), because that is the date the search
can filter on (``occurred_after`` / ``occurred_before``); a lesson without a date is left out
once a period is chosen. Department and project type are those of the lesson's project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insights.filters import NO_FILTERS, InsightFilters
from insights.heatmaps import category_phase_heatmap, project_type_category_heatmap, risk_matrix
from insights.lesson_counts import count_lessons
from insights.outcomes import project_outcomes
from insights.practice import (
    action_figures,
    action_matrix,
    hours_saved,
    most_viewed,
    rating_distribution,
)
from insights.recognition import recognition
from insights.themes import themes
from insights.volumes import (
    applied_share,
    lessons_per_month,
    lessons_per_project,
    recurring_per_quarter,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def dashboard(user: User | AnonymousUser, filters: InsightFilters = NO_FILTERS) -> dict:
    """Every figure of /insights/, in a fixed number of queries: the lesson figures share
    one count of the lessons."""
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
