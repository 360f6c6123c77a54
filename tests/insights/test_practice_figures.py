"""Figures of lessons put into practice: applications and hours saved, views, ratings,
actions, and who is recognised for sharing and applying lessons.

Worked out on ``kpi_world`` (see conftest.py): applications A1-A5, actions X1-X8.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from insights.filters import InsightFilters
from insights.practice import (
    action_figures,
    action_matrix,
    hours_saved,
    most_viewed,
    rating_distribution,
)
from insights.recognition import recognition

D = dt.date


def test_hours_saved_by_applications_of_visible_lessons(kpi_world, reader, curator):
    # Reader: A1 A2 A3 A5 (A4 applies the hidden L5); hours 10 + 5.5 + 2.5, A3 reported none.
    assert hours_saved(reader) == {
        "applications": 4,
        "reported": 3,
        "hours": Decimal("18.0"),
    }
    # Curator: A4's 20 hours too.
    assert hours_saved(curator) == {
        "applications": 5,
        "reported": 4,
        "hours": Decimal("38.0"),
    }


def test_applications_filter_by_the_applying_project_and_day(kpi_world, reader):
    # Applied in Finance projects (P2, P3): A1, A2. In May 2025: A1, A3.
    finance = InsightFilters(department=kpi_world["finance"].pk)
    assert hours_saved(reader, finance)["hours"] == Decimal("15.5")
    may = InsightFilters(start=D(2025, 5, 1), end=D(2025, 5, 31))
    assert hours_saved(reader, may) == {
        "applications": 2,
        "reported": 1,
        "hours": Decimal("10.0"),
    }


def test_most_viewed_sums_the_days_of_the_period(kpi_world, reader, curator):
    # Reader: L1 3 + 2 = 5, L2 4; L5's 10 views are of a lesson she may not see.
    assert [(r["title"], r["views"]) for r in most_viewed(reader)] == [
        ("Lesson one", 5),
        ("Lesson two", 4),
    ]
    assert [r["views"] for r in most_viewed(curator)] == [10, 5, 4]
    # From 2 May only L1's second day is left.
    may_2 = InsightFilters(start=D(2025, 5, 2))
    assert [(r["title"], r["views"]) for r in most_viewed(reader, may_2)] == [("Lesson one", 2)]


def test_rating_distribution(kpi_world, reader, curator):
    # Reader: L1 5 and 4, L2 4 -> one 5, two 4s. L5's 1 is hidden; L7 (draft) counts for no one.
    counts = [r["count"] for r in rating_distribution(reader)]
    assert counts == [0, 0, 0, 2, 1]
    assert [r["count"] for r in rating_distribution(curator)] == [1, 0, 0, 2, 1]
    assert rating_distribution(reader)[3]["pct"] == 66.7  # 2 of 3


def test_action_figures_with_median_days_to_close(kpi_world, reader, curator):
    # Reader: open X1 X2 (X1 overdue); done X3 X4 X5 took 10, 30, 4 days: median 10.
    assert action_figures(reader) == {
        "open": 2,
        "overdue": 1,
        "done": 3,
        "median_days_to_close": 10,
    }
    # Curator: X6 open and overdue too; X7 done in 60 days: median of 4 10 30 60 is 20.
    assert action_figures(curator) == {
        "open": 3,
        "overdue": 2,
        "done": 4,
        "median_days_to_close": 20,
    }


def test_done_actions_count_by_completion_within_the_period(kpi_world, reader):
    # March 2025: X4 (3 Mar, 30 days) and X5 (5 Mar, 4 days); median 17.
    march = InsightFilters(start=D(2025, 3, 1), end=D(2025, 3, 31))
    figures = action_figures(reader, march)
    assert (figures["done"], figures["median_days_to_close"]) == (2, 17)


def test_open_actions_matrix_by_impact_and_effort(kpi_world, reader):
    matrix = action_matrix(reader)
    # X1 is impact 3, effort 3 (the defaults); X2 impact 5, effort 1.
    cells = {
        (row["label"], cell["column"]): cell["count"]
        for row in matrix["rows"]
        for cell in row["cells"]
        if cell["count"]
    }
    assert cells == {("5", "1"): 1, ("3", "3"): 1}
    assert matrix["total"] == 2


def test_recognition_never_counts_an_anonymous_lesson_to_its_author(kpi_world, reader, curator):
    figures = recognition(reader)
    # Named visible lessons: Ann L1 L2, Bob L3. Bob's anonymous L4 is not his.
    assert figures["contributors"] == [
        {"name": "Ann Author", "count": 2},
        {"name": "Bob Builder", "count": 1},
    ]
    assert figures["contributing_teams"] == [
        {"name": "Engineering", "count": 2},
        {"name": "Finance", "count": 1},
    ]
    # Applications of visible lessons: Ali A1 A2, Ann A3 A5; a tie, by last name.
    assert figures["appliers"] == [
        {"name": "Ali Applier", "count": 2},
        {"name": "Ann Author", "count": 2},
    ]
    assert figures["applying_teams"] == [
        {"name": "Engineering", "count": 2},
        {"name": "Finance", "count": 2},
    ]
    # Curator: Ann also L6, Bob also L5; L4 still no one's.
    assert [r["count"] for r in recognition(curator)["contributors"]] == [3, 2]
