"""Project outcomes: the success rate of closed projects that applied lessons the viewer may
see, against those that did not, in all and per year; on ``outcome_world`` (conftest.py)."""

from __future__ import annotations

import datetime as dt

from insights.filters import InsightFilters
from insights.outcomes import project_outcomes

D = dt.date


def outcome_figures(groups) -> dict[str, tuple]:
    return {
        g["key"]: (g["count"], g["success"], g["partial"], g["failed"], g["rate"]) for g in groups
    }


def year_rates(per_year) -> list[tuple]:
    return [
        (
            row["year"],
            (row["applied"]["success"], row["applied"]["count"], row["applied"]["rate"]),
            (
                row["not_applied"]["success"],
                row["not_applied"]["count"],
                row["not_applied"]["rate"],
            ),
        )
        for row in per_year
    ]


def test_project_outcomes_compare_projects_that_applied_lessons(outcome_world, reader):
    figures = project_outcomes(reader)
    # Rita sees L1 L2 L3: C1 (success) and C4 (partial) applied lessons -> 1 of 2 = 50%.
    # C2 (L5 project-only) and C3 (L6 restricted, L7 draft) applied only lessons she may not
    # see, so they count as applying none, with C5 and C8: C3 success, C2 C5 C8 failed -> 25%.
    # C6 (no outcome) and C7 (not closed) are not counted.
    assert outcome_figures(figures["groups"]) == {
        "applied": (2, 1, 1, 0, 50.0),
        "not_applied": (4, 1, 0, 3, 25.0),
    }
    assert figures["total"] == 6
    # Per year of end date; C8 has none, so it is in no year.
    # 2024: applied C1 success (1 of 1); none C2 failed (0 of 1).
    # 2025: applied C4 partial (0 of 1); none C3 success, C5 failed (1 of 2).
    assert year_rates(figures["per_year"]) == [
        (2024, (1, 1, 100.0), (0, 1, 0.0)),
        (2025, (0, 1, 0.0), (1, 2, 50.0)),
    ]


def test_project_outcomes_count_applications_of_lessons_the_viewer_sees(outcome_world, curator):
    figures = project_outcomes(curator)
    # Clara sees L5 and L6 too: C2 (failed) and C3 (success) applied lessons. L7 is a draft,
    # not in the published collection, but C3 applied L6 as well.
    # Applied: C1 s, C2 f, C3 s, C4 p -> 2 of 4. None: C5 f, C8 f -> 0 of 2.
    assert outcome_figures(figures["groups"]) == {
        "applied": (4, 2, 1, 1, 50.0),
        "not_applied": (2, 0, 0, 2, 0.0),
    }
    # 2024: applied C1 s, C2 f (1 of 2); none: no project, so no rate.
    # 2025: applied C3 s, C4 p (1 of 2); none C5 f (0 of 1).
    assert year_rates(figures["per_year"]) == [
        (2024, (1, 2, 50.0), (0, 0, None)),
        (2025, (1, 2, 50.0), (0, 1, 0.0)),
    ]


def test_project_outcomes_filters(outcome_world, reader):
    # Period by end date: 2025 is C3 C4 C5 (C8 has no end date, so it is left out).
    year_2025 = InsightFilters(start=D(2025, 1, 1), end=D(2025, 12, 31))
    assert outcome_figures(project_outcomes(reader, year_2025)["groups"]) == {
        "applied": (1, 0, 1, 0, 0.0),  # C4 partial
        "not_applied": (2, 1, 0, 1, 50.0),  # C3 success, C5 failed
    }
    # Engineering: C1 C4 applied; C5 C8 did not.
    engineering = InsightFilters(department=outcome_world["engineering"].pk)
    assert outcome_figures(project_outcomes(reader, engineering)["groups"]) == {
        "applied": (2, 1, 1, 0, 50.0),
        "not_applied": (2, 0, 0, 2, 0.0),
    }
    # Build: C4 applied (partial); C2 did not (failed).
    build = InsightFilters(project_type="build")
    assert outcome_figures(project_outcomes(reader, build)["groups"]) == {
        "applied": (1, 0, 1, 0, 0.0),
        "not_applied": (1, 0, 0, 1, 0.0),
    }


def test_project_outcomes_without_projects(kpi_world, reader):
    figures = project_outcomes(reader)  # P1-P3 are all still active
    assert figures["total"] == 0
    assert figures["per_year"] == []
    assert [g["rate"] for g in figures["groups"]] == [None, None]
