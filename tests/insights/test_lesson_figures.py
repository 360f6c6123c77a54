"""Lesson figures of /insights/: volumes and trends, heat maps, and how the filters narrow them.

Worked out on ``kpi_world`` (see conftest.py): Rita the reader counts L1-L4, Clara the curator
L1-L6.
"""

from __future__ import annotations

import datetime as dt

from insights.filters import InsightFilters
from insights.heatmaps import category_phase_heatmap, project_type_category_heatmap, risk_matrix
from insights.volumes import (
    applied_share,
    lessons_per_month,
    lessons_per_project,
    recurring_per_quarter,
    total_lessons,
)
from lessons.models import Lesson
from tests.insights.heatmaps import cells_of

D = dt.date


def test_lessons_per_month_counts_only_what_the_viewer_may_see(kpi_world, reader, curator):
    # Reader: Jan L1 L2; Feb nothing (L6 restricted); Mar L3; Apr L4 (L5 is project-only).
    assert [(r["month"], r["count"]) for r in lessons_per_month(reader)] == [
        (D(2025, 1, 1), 2),
        (D(2025, 2, 1), 0),
        (D(2025, 3, 1), 1),
        (D(2025, 4, 1), 1),
    ]
    # Curator: Jan L1 L2 (L7 draft, L8 merged: not counted); Feb L6; Mar L3; Apr L4 L5.
    assert [r["count"] for r in lessons_per_month(curator)] == [2, 1, 1, 2]


def test_each_month_links_to_the_search_that_lists_its_lessons(kpi_world, reader, client):
    january = lessons_per_month(reader)[0]
    assert january["url"] == "/lessons/?occurred_after=2025-01-01&occurred_before=2025-01-31"
    client.force_login(reader)
    assert client.get(january["url"]).context["total"] == 2


def test_total_is_the_published_collection_the_viewer_may_see(kpi_world, reader, curator):
    assert total_lessons(reader) == 4  # L1-L4
    assert total_lessons(curator) == 6  # L1-L6


def test_lessons_per_project_with_their_reviews(kpi_world, reader):
    from tests.factories import PhaseReviewFactory

    lessons = kpi_world["lessons"]
    review = PhaseReviewFactory(project=lessons[1].project, held_on=D(2025, 2, 1))
    Lesson.objects.filter(pk=lessons[1].pk).update(review=review)
    rows = lessons_per_project(reader)
    # P1: L1 L2 (L6 restricted, L7 draft); P2: L3 L4 (L8 merged). Ties by code.
    assert [(r["code"], r["count"]) for r in rows] == [("P1", 2), ("P2", 2)]
    assert [(rv["id"], rv["count"]) for rv in rows[0]["reviews"]] == [(review.pk, 1)]
    assert rows[1]["reviews"] == []
    assert rows[0]["url"] == "/lessons/?project=P1"


def test_applied_share_counts_use_in_a_later_project_only(kpi_world, reader, curator):
    # Reader: L1 (A1, A2) and L3 (A5) of L1-L4; L2's only use (A3) is in its own project.
    assert applied_share(reader) == {"total": 4, "applied": 2, "pct": 50.0}
    # Curator: L1, L3 and L5 (A4) of L1-L6.
    assert applied_share(curator) == {"total": 6, "applied": 3, "pct": 50.0}


def test_recurring_issues_per_quarter(kpi_world, reader, curator):
    # Reader: Q1 L1 L2 L3, of which L3 recurs; Q2 L4, which recurs.
    rows = recurring_per_quarter(reader)
    assert [(r["label"], r["total"], r["recurring"]) for r in rows] == [
        ("2025 Q1", 3, 1),
        ("2025 Q2", 1, 1),
    ]
    # Curator: Q1 adds L6 (not a recurrence); Q2 adds L5 (not a recurrence).
    rows = recurring_per_quarter(curator)
    assert [(r["total"], r["recurring"], r["pct"]) for r in rows] == [(4, 1, 25.0), (2, 1, 50.0)]
    assert rows[0]["url"] == "/lessons/?occurred_after=2025-01-01&occurred_before=2025-03-31"


def test_category_by_phase_heat_map(kpi_world, reader):
    matrix = category_phase_heatmap(reader)
    # Default phases in order, then "None" (L3, L4 have no phase).
    assert matrix["columns"] == ["Planning", "Execution", "None"]
    assert [row["label"] for row in matrix["rows"]] == ["Financial", "Technical"]
    # Highest cell 2 -> shade 5; a 1 is ceil(5 * 1 / 2) = 3.
    assert cells_of(matrix) == {
        ("Financial", "Planning"): (0, 0),
        ("Financial", "Execution"): (0, 0),
        ("Financial", "None"): (2, 5),
        ("Technical", "Planning"): (1, 3),
        ("Technical", "Execution"): (1, 3),
        ("Technical", "None"): (0, 0),
    }
    technical_planning = matrix["rows"][1]["cells"][0]
    assert technical_planning["url"] == "/lessons/?category=technical&phase=Planning"
    assert matrix["rows"][0]["cells"][2]["url"] is None  # no search for "no phase"
    assert matrix["rows"][0]["cells"][0]["url"] is None  # empty cells are not links


def test_project_type_by_category_heat_map(kpi_world, reader, curator):
    # Reader: IT (P1) L1 L2 technical; Build (P2) L3 L4 financial.
    matrix = project_type_category_heatmap(reader)
    assert {k: v[0] for k, v in cells_of(matrix).items() if v[0]} == {
        ("Build", "Financial"): 2,
        ("IT", "Technical"): 2,
    }
    # Curator: IT technical adds L5 (P3) and L6 (P1).
    matrix = project_type_category_heatmap(curator)
    assert cells_of(matrix)[("IT", "Technical")] == (4, 5)
    assert matrix["rows"][1]["cells"][1]["url"] == "/lessons/?project_type=it&category=technical"


def test_risk_matrix_by_likelihood_and_impact(kpi_world, reader, client):
    # L1 L3 likely/high; L2 L4 possible/medium.
    matrix = risk_matrix(reader, InsightFilters(start=D(2025, 1, 1)))
    counts = {k: v[0] for k, v in cells_of(matrix).items() if v[0]}
    assert counts == {("Likely", "High"): 2, ("Possible", "Medium"): 2}
    # Every cell with lessons links to the search that lists exactly them.
    likely_high = matrix["rows"][0]["cells"][2]
    assert likely_high["url"] == (
        "/lessons/?occurred_after=2025-01-01&likelihood=likely&impact=high"
    )
    client.force_login(reader)
    listed = client.get(likely_high["url"]).context["lessons"]
    assert {lesson.title for lesson in listed} == {"Lesson one", "Lesson three"}


def test_filters_narrow_every_lesson_figure(kpi_world, reader, curator):
    engineering = InsightFilters(department=kpi_world["engineering"].pk)
    assert total_lessons(reader, engineering) == 2  # P1: L1 L2
    assert total_lessons(curator, engineering) == 3  # and L6
    build = InsightFilters(project_type="build")
    assert total_lessons(reader, build) == 2  # P2: L3 L4
    spring = InsightFilters(start=D(2025, 3, 1), end=D(2025, 4, 30))
    assert total_lessons(reader, spring) == 2  # L3 L4
    assert total_lessons(curator, spring) == 3  # and L5
    assert applied_share(reader, spring) == {"total": 2, "applied": 1, "pct": 50.0}
    # The month link keeps the filters and narrows the month to the period.
    april = InsightFilters(start=D(2025, 4, 10), project_type="build")
    rows = lessons_per_month(reader, april)
    assert [(r["month"], r["count"]) for r in rows] == [(D(2025, 4, 1), 1)]
    assert rows[0]["url"] == (
        "/lessons/?occurred_after=2025-04-10&project_type=build&occurred_before=2025-04-30"
    )
