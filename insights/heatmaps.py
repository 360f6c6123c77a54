"""Where lessons come from: heat maps of the counted lessons by two of their traits.

Each reads the counts of ``count_lessons``; every cell with lessons links to the search that
lists them, except where the search has no parameter for the cell ("no category").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from insights.filters import NO_FILTERS, InsightFilters
from insights.lesson_counts import LessonCounts, count_lessons
from insights.tables import matrix, nones_last
from lessons.models import Lesson
from projects.models import DEFAULT_PHASES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

_NAMELESS = (None, None)  # (slug, name) of a category or project type the lessons lack


def _id(text: str | None) -> int | None:
    return int(text) if text else None


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
    cells = {(categories.get(_id(c), _NAMELESS)[0], p): n for (c, p), n in counted.items()}
    rows = sorted({categories.get(_id(c), _NAMELESS) for c, _ in counted}, key=nones_last)
    phases = sorted({p for _, p in counted}, key=lambda n: (n is None, _phase_order(n or "")))
    return matrix(
        rows=[(slug, name or "None") for slug, name in rows],
        columns=[(phase, phase or "None") for phase in phases],
        counts=cells,
        url=lambda slug, phase: (
            filters.search_url(category=slug, phase=phase) if slug and phase else None
        ),
    )


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
            types.get(type_of.get(_id(project)), _NAMELESS)[0],
            categories.get(_id(category), _NAMELESS)[0],
        )
        cells[key] = cells.get(key, 0) + n
    rows = sorted(
        {types.get(type_of.get(_id(p)), _NAMELESS) for p, _ in per_project}, key=nones_last
    )
    columns = sorted({categories.get(_id(c), _NAMELESS) for _, c in per_project}, key=nones_last)
    return matrix(
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
    return matrix(
        rows=list(reversed(Lesson.Likelihood.choices)),
        columns=list(Lesson.Impact.choices),
        counts=(counts or count_lessons(user, filters)).counts("risk"),
        url=lambda likelihood, impact: filters.search_url(likelihood=likelihood, impact=impact),
    )
