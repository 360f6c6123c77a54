"""The KPIs of /insights/ (lessons/insights.py), on a small world worked out by hand.

The world (``kpi_world``), all lessons published to the whole organisation unless noted:

    lesson  project (type, dept)    category   phase      occurred    author  notes
    L1      P1 (it, Engineering)    technical  Planning   2025-01-10  Ann     high, likely
    L2      P1                      technical  Execution  2025-01-20  Ann
    L3      P2 (build, Finance)     financial  -          2025-03-05  Bob     recurs L1; high,likely
    L4      P2                      financial  -          2025-04-15  (anon)  recurs L2; by Bob
    L5      P3 (it, Finance)        technical  Planning   2025-04-20  Bob     project-only
    L6      P1                      technical  Planning   2025-02-01  Ann     restricted
    L7      P1                      technical  -          2025-01-15  Ann     draft
    L8      P2                      financial  -          2025-01-25  Bob     merged into L3

Rita the reader is in no project: she counts L1-L4. Clara the curator sees every lesson but
counts only the published collection, not merged away: L1-L6. L7 and L8 count for no one.
Impact and likelihood are medium / possible unless noted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lessons import insights
from lessons.insights import InsightFilters
from lessons.models import Category, Lesson, LessonViewDay
from tests.factories import (
    ActionFactory,
    ApplicationFactory,
    DepartmentFactory,
    LessonFactory,
    PhaseFactory,
    ProjectFactory,
    ProjectTypeFactory,
    RatingFactory,
    UserFactory,
)

D = dt.date


def aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 12))


@pytest.fixture
def kpi_world(db):
    engineering = DepartmentFactory(name="Engineering")
    finance = DepartmentFactory(name="Finance")
    it = ProjectTypeFactory(name="IT", slug="it")
    build = ProjectTypeFactory(name="Build", slug="build")
    p1 = ProjectFactory(code="P1", project_type=it, department=engineering)
    p2 = ProjectFactory(code="P2", project_type=build, department=finance)
    p3 = ProjectFactory(code="P3", project_type=it, department=finance)
    planning = PhaseFactory(project=p1, name="Planning", order=2)
    execution = PhaseFactory(project=p1, name="Execution", order=3)
    p3_planning = PhaseFactory(project=p3, name="Planning", order=2)
    ann = UserFactory(username="ann", first_name="Ann", last_name="Author", department=engineering)
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder", department=finance)
    ali = UserFactory(username="ali", first_name="Ali", last_name="Applier", department=finance)
    technical = Category.objects.get(slug="technical")
    financial = Category.objects.get(slug="financial")
    high, likely = Lesson.Impact.HIGH, Lesson.Likelihood.LIKELY

    L = {}
    L[1] = LessonFactory(
        title="Lesson one", project=p1, category=technical, phase=planning,
        occurred_on=D(2025, 1, 10), submitted_by=ann, impact=high, likelihood=likely,
    )  # fmt: skip
    L[2] = LessonFactory(
        title="Lesson two", project=p1, category=technical, phase=execution,
        occurred_on=D(2025, 1, 20), submitted_by=ann,
    )  # fmt: skip
    L[3] = LessonFactory(
        title="Lesson three", project=p2, category=financial, occurred_on=D(2025, 3, 5),
        submitted_by=bob, recurrence_of=L[1], impact=high, likelihood=likely,
    )  # fmt: skip
    # Bob writes L4 anonymously: once sent, the lesson forgets him.
    L[4] = LessonFactory(
        title="Lesson four", project=p2, category=financial, occurred_on=D(2025, 4, 15),
        submitted_by=bob, is_anonymous=True, status=Lesson.Status.DRAFT, recurrence_of=L[2],
    )  # fmt: skip
    L[4].status, L[4].published_at = Lesson.Status.PUBLISHED, timezone.now()
    L[4].save()
    L[5] = LessonFactory(
        title="Lesson five", project=p3, category=technical, phase=p3_planning,
        occurred_on=D(2025, 4, 20), submitted_by=bob, visibility=Lesson.Visibility.PROJECT,
    )  # fmt: skip
    L[6] = LessonFactory(
        title="Lesson six", project=p1, category=technical, phase=planning,
        occurred_on=D(2025, 2, 1), submitted_by=ann, visibility=Lesson.Visibility.RESTRICTED,
    )  # fmt: skip
    L[7] = LessonFactory(
        title="Lesson seven", project=p1, category=technical, occurred_on=D(2025, 1, 15),
        submitted_by=ann, status=Lesson.Status.DRAFT,
    )  # fmt: skip
    L[8] = LessonFactory(
        title="Lesson eight", project=p2, category=financial, occurred_on=D(2025, 1, 25),
        submitted_by=bob, merged_into=L[3],
    )  # fmt: skip

    # Applications: A3 is in the lesson's own project, so it is no "later" use.
    ApplicationFactory(lesson=L[1], project=p2, applied_by=ali, applied_on=D(2025, 5, 1),
                       hours_saved=Decimal("10.0"))  # A1  # fmt: skip
    ApplicationFactory(lesson=L[1], project=p3, applied_by=ali, applied_on=D(2025, 6, 1),
                       hours_saved=Decimal("5.5"))  # A2  # fmt: skip
    ApplicationFactory(lesson=L[2], project=p1, applied_by=ann, applied_on=D(2025, 5, 10))  # A3
    ApplicationFactory(lesson=L[5], project=p1, applied_by=ali, applied_on=D(2025, 5, 15),
                       hours_saved=Decimal("20"))  # A4  # fmt: skip
    ApplicationFactory(lesson=L[3], project=p1, applied_by=ann, applied_on=D(2025, 7, 1),
                       hours_saved=Decimal("2.5"))  # A5  # fmt: skip

    for lesson, score in [(1, 5), (1, 4), (2, 4), (5, 1), (7, 2)]:
        RatingFactory(lesson=L[lesson], score=score)

    LessonViewDay.objects.bulk_create(
        [
            LessonViewDay(lesson=L[1], day=D(2025, 5, 1), count=3),
            LessonViewDay(lesson=L[1], day=D(2025, 5, 2), count=2),
            LessonViewDay(lesson=L[2], day=D(2025, 5, 1), count=4),
            LessonViewDay(lesson=L[5], day=D(2025, 5, 1), count=10),
        ]
    )

    today = timezone.localdate()
    open_, in_progress, done = "open", "in_progress", "done"
    ActionFactory(lesson=L[1], status=open_, due_on=today - dt.timedelta(days=5))  # X1 overdue
    ActionFactory(lesson=L[1], status=in_progress, due_on=today + dt.timedelta(days=5),
                  impact=5, effort=1)  # X2  # fmt: skip
    # Done: (completed - created) = 10, 30 (Feb 2025 has 28 days), 4 and 60 days.
    ActionFactory(lesson=L[2], status=done, created_at=aware(D(2025, 1, 1)),
                  completed_on=D(2025, 1, 11))  # X3  # fmt: skip
    ActionFactory(lesson=L[3], status=done, created_at=aware(D(2025, 2, 1)),
                  completed_on=D(2025, 3, 3))  # X4  # fmt: skip
    ActionFactory(lesson=L[4], status=done, created_at=aware(D(2025, 3, 1)),
                  completed_on=D(2025, 3, 5))  # X5  # fmt: skip
    ActionFactory(lesson=L[5], status=open_, due_on=today - dt.timedelta(days=1))  # X6 overdue
    ActionFactory(lesson=L[6], status=done, created_at=aware(D(2025, 1, 1)),
                  completed_on=D(2025, 3, 2))  # X7  # fmt: skip
    ActionFactory(lesson=L[1], status="dropped")  # X8: neither open nor done
    return {"lessons": L, "engineering": engineering, "finance": finance}


# -- volumes and trends ------------------------------------------------------------------------


def test_lessons_per_month_counts_only_what_the_viewer_may_see(kpi_world, reader, curator):
    # Reader: Jan L1 L2; Feb nothing (L6 restricted); Mar L3; Apr L4 (L5 is project-only).
    assert [(r["month"], r["count"]) for r in insights.lessons_per_month(reader)] == [
        (D(2025, 1, 1), 2),
        (D(2025, 2, 1), 0),
        (D(2025, 3, 1), 1),
        (D(2025, 4, 1), 1),
    ]
    # Curator: Jan L1 L2 (L7 draft, L8 merged: not counted); Feb L6; Mar L3; Apr L4 L5.
    assert [r["count"] for r in insights.lessons_per_month(curator)] == [2, 1, 1, 2]


def test_each_month_links_to_the_search_that_lists_its_lessons(kpi_world, reader, client):
    january = insights.lessons_per_month(reader)[0]
    assert january["url"] == "/lessons/?occurred_after=2025-01-01&occurred_before=2025-01-31"
    client.force_login(reader)
    assert client.get(january["url"]).context["total"] == 2


def test_total_is_the_published_collection_the_viewer_may_see(kpi_world, reader, curator):
    assert insights.total_lessons(reader) == 4  # L1-L4
    assert insights.total_lessons(curator) == 6  # L1-L6


def test_lessons_per_project_with_their_reviews(kpi_world, reader):
    from tests.factories import PhaseReviewFactory

    lessons = kpi_world["lessons"]
    review = PhaseReviewFactory(project=lessons[1].project, held_on=D(2025, 2, 1))
    Lesson.objects.filter(pk=lessons[1].pk).update(review=review)
    rows = insights.lessons_per_project(reader)
    # P1: L1 L2 (L6 restricted, L7 draft); P2: L3 L4 (L8 merged). Ties by code.
    assert [(r["code"], r["count"]) for r in rows] == [("P1", 2), ("P2", 2)]
    assert [(rv["id"], rv["count"]) for rv in rows[0]["reviews"]] == [(review.pk, 1)]
    assert rows[1]["reviews"] == []
    assert rows[0]["url"] == "/lessons/?project=P1"


def test_applied_share_counts_use_in_a_later_project_only(kpi_world, reader, curator):
    # Reader: L1 (A1, A2) and L3 (A5) of L1-L4; L2's only use (A3) is in its own project.
    assert insights.applied_share(reader) == {"total": 4, "applied": 2, "pct": 50.0}
    # Curator: L1, L3 and L5 (A4) of L1-L6.
    assert insights.applied_share(curator) == {"total": 6, "applied": 3, "pct": 50.0}


def test_recurring_issues_per_quarter(kpi_world, reader, curator):
    # Reader: Q1 L1 L2 L3, of which L3 recurs; Q2 L4, which recurs.
    rows = insights.recurring_per_quarter(reader)
    assert [(r["label"], r["total"], r["recurring"]) for r in rows] == [
        ("2025 Q1", 3, 1),
        ("2025 Q2", 1, 1),
    ]
    # Curator: Q1 adds L6 (not a recurrence); Q2 adds L5 (not a recurrence).
    rows = insights.recurring_per_quarter(curator)
    assert [(r["total"], r["recurring"], r["pct"]) for r in rows] == [(4, 1, 25.0), (2, 1, 50.0)]
    assert rows[0]["url"] == "/lessons/?occurred_after=2025-01-01&occurred_before=2025-03-31"


def test_hours_saved_by_applications_of_visible_lessons(kpi_world, reader, curator):
    # Reader: A1 A2 A3 A5 (A4 applies the hidden L5); hours 10 + 5.5 + 2.5, A3 reported none.
    assert insights.hours_saved(reader) == {
        "applications": 4,
        "reported": 3,
        "hours": Decimal("18.0"),
    }
    # Curator: A4's 20 hours too.
    assert insights.hours_saved(curator) == {
        "applications": 5,
        "reported": 4,
        "hours": Decimal("38.0"),
    }


# -- use ---------------------------------------------------------------------------------------


def test_most_viewed_sums_the_days_of_the_period(kpi_world, reader, curator):
    # Reader: L1 3 + 2 = 5, L2 4; L5's 10 views are of a lesson she may not see.
    assert [(r["title"], r["views"]) for r in insights.most_viewed(reader)] == [
        ("Lesson one", 5),
        ("Lesson two", 4),
    ]
    assert [r["views"] for r in insights.most_viewed(curator)] == [10, 5, 4]
    # From 2 May only L1's second day is left.
    may_2 = InsightFilters(start=D(2025, 5, 2))
    assert [(r["title"], r["views"]) for r in insights.most_viewed(reader, may_2)] == [
        ("Lesson one", 2)
    ]


def test_rating_distribution(kpi_world, reader, curator):
    # Reader: L1 5 and 4, L2 4 -> one 5, two 4s. L5's 1 is hidden; L7 (draft) counts for no one.
    counts = [r["count"] for r in insights.rating_distribution(reader)]
    assert counts == [0, 0, 0, 2, 1]
    assert [r["count"] for r in insights.rating_distribution(curator)] == [1, 0, 0, 2, 1]
    assert insights.rating_distribution(reader)[3]["pct"] == 66.7  # 2 of 3


# -- actions -----------------------------------------------------------------------------------


def test_action_figures_with_median_days_to_close(kpi_world, reader, curator):
    # Reader: open X1 X2 (X1 overdue); done X3 X4 X5 took 10, 30, 4 days: median 10.
    assert insights.action_figures(reader) == {
        "open": 2,
        "overdue": 1,
        "done": 3,
        "median_days_to_close": 10,
    }
    # Curator: X6 open and overdue too; X7 done in 60 days: median of 4 10 30 60 is 20.
    assert insights.action_figures(curator) == {
        "open": 3,
        "overdue": 2,
        "done": 4,
        "median_days_to_close": 20,
    }


def test_done_actions_count_by_completion_within_the_period(kpi_world, reader):
    # March 2025: X4 (3 Mar, 30 days) and X5 (5 Mar, 4 days); median 17.
    march = InsightFilters(start=D(2025, 3, 1), end=D(2025, 3, 31))
    figures = insights.action_figures(reader, march)
    assert (figures["done"], figures["median_days_to_close"]) == (2, 17)


def test_open_actions_matrix_by_impact_and_effort(kpi_world, reader):
    matrix = insights.action_matrix(reader)
    # X1 is impact 3, effort 3 (the defaults); X2 impact 5, effort 1.
    cells = {
        (row["label"], cell["column"]): cell["count"]
        for row in matrix["rows"]
        for cell in row["cells"]
        if cell["count"]
    }
    assert cells == {("5", "1"): 1, ("3", "3"): 1}
    assert matrix["total"] == 2


# -- recognition -------------------------------------------------------------------------------


def test_recognition_never_counts_an_anonymous_lesson_to_its_author(kpi_world, reader, curator):
    figures = insights.recognition(reader)
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
    assert [r["count"] for r in insights.recognition(curator)["contributors"]] == [3, 2]


# -- heat maps ---------------------------------------------------------------------------------


def cells_of(matrix) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (row["label"], cell["column"]): (cell["count"], cell["level"])
        for row in matrix["rows"]
        for cell in row["cells"]
    }


def test_category_by_phase_heat_map(kpi_world, reader):
    matrix = insights.category_phase_heatmap(reader)
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
    matrix = insights.project_type_category_heatmap(reader)
    assert {k: v[0] for k, v in cells_of(matrix).items() if v[0]} == {
        ("Build", "Financial"): 2,
        ("IT", "Technical"): 2,
    }
    # Curator: IT technical adds L5 (P3) and L6 (P1).
    matrix = insights.project_type_category_heatmap(curator)
    assert cells_of(matrix)[("IT", "Technical")] == (4, 5)
    assert matrix["rows"][1]["cells"][1]["url"] == "/lessons/?project_type=it&category=technical"


def test_risk_matrix_by_likelihood_and_impact(kpi_world, reader):
    # L1 L3 likely/high; L2 L4 possible/medium.
    counts = {k: v[0] for k, v in cells_of(insights.risk_matrix(reader)).items() if v[0]}
    assert counts == {("Likely", "High"): 2, ("Possible", "Medium"): 2}


# -- filters -----------------------------------------------------------------------------------


def test_filters_narrow_every_lesson_figure(kpi_world, reader, curator):
    engineering = InsightFilters(department=kpi_world["engineering"].pk)
    assert insights.total_lessons(reader, engineering) == 2  # P1: L1 L2
    assert insights.total_lessons(curator, engineering) == 3  # and L6
    build = InsightFilters(project_type="build")
    assert insights.total_lessons(reader, build) == 2  # P2: L3 L4
    spring = InsightFilters(start=D(2025, 3, 1), end=D(2025, 4, 30))
    assert insights.total_lessons(reader, spring) == 2  # L3 L4
    assert insights.total_lessons(curator, spring) == 3  # and L5
    assert insights.applied_share(reader, spring) == {"total": 2, "applied": 1, "pct": 50.0}
    # The month link keeps the filters and narrows the month to the period.
    april = InsightFilters(start=D(2025, 4, 10), project_type="build")
    rows = insights.lessons_per_month(reader, april)
    assert [(r["month"], r["count"]) for r in rows] == [(D(2025, 4, 1), 1)]
    assert rows[0]["url"] == (
        "/lessons/?occurred_after=2025-04-10&project_type=build&occurred_before=2025-04-30"
    )


def test_applications_filter_by_the_applying_project_and_day(kpi_world, reader):
    # Applied in Finance projects (P2, P3): A1, A2. In May 2025: A1, A3.
    finance = InsightFilters(department=kpi_world["finance"].pk)
    assert insights.hours_saved(reader, finance)["hours"] == Decimal("15.5")
    may = InsightFilters(start=D(2025, 5, 1), end=D(2025, 5, 31))
    assert insights.hours_saved(reader, may) == {
        "applications": 2,
        "reported": 1,
        "hours": Decimal("10.0"),
    }


# -- the page ----------------------------------------------------------------------------------


def test_the_page_shows_a_readers_figures(kpi_world, reader, client):
    client.force_login(reader)
    response = client.get("/insights/")
    assert response.status_code == 200
    assert response.context["total"] == 4
    page = response.content.decode()
    assert "Lesson five" not in page and "Lesson six" not in page
    assert 'href="/lessons/?category=technical&amp;phase=Planning"' in page
    assert 'class="heat heat-5"' in page
    assert "style=" not in page  # the content security policy forbids inline styles


def test_the_page_applies_its_filters(kpi_world, reader, client):
    client.force_login(reader)
    response = client.get("/insights/", {"from": "2025-03-01", "to": "2025-04-30"})
    assert response.context["total"] == 2
    assert response.context["filters"] == InsightFilters(start=D(2025, 3, 1), end=D(2025, 4, 30))


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"from": "2025-13-01"}, 4),
        ({"to": "not a date"}, 4),
        # The end date is refused; the start alone applies, and no lesson is that late.
        ({"from": "2025-05-01", "to": "2025-01-01"}, 0),
        ({"department": "999999"}, 4),
        ({"department": "x"}, 4),
        ({"project_type": "no-such-type", "from": "2025-03-01"}, 2),
    ],
)
def test_bad_filters_are_reported_and_left_out(kpi_world, reader, client, params, total):
    client.force_login(reader)
    response = client.get("/insights/", params)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert response.context["form"].errors
    assert response.context["total"] == total  # only the valid filters apply


def test_insights_requires_sign_in(client):
    response = client.get("/insights/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_nav_links_to_insights(reader, client):
    client.force_login(reader)
    assert 'href="/insights/"' in client.get("/").content.decode()


# -- queries -----------------------------------------------------------------------------------


def grow(size: int) -> None:
    """``size`` more lessons, each rated, viewed, applied and with actions, in new projects."""
    for n in range(size):
        lesson = LessonFactory(occurred_on=D(2024, 1 + n % 12, 1), phase=None)
        RatingFactory(lesson=lesson, score=1 + n % 5)
        ApplicationFactory(lesson=lesson, hours_saved=Decimal(n))
        ActionFactory(lesson=lesson, status="done", completed_on=timezone.localdate())
        ActionFactory(lesson=lesson)
        LessonViewDay.objects.create(lesson=lesson, day=D(2025, 1, 1), count=n + 1)


def page_queries(client, filters: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/insights/", filters).status_code == 200
    return len(queries)


@pytest.mark.parametrize("filters", [{}, {"from": "2024-01-01", "project_type": "it"}])
def test_the_page_runs_a_fixed_number_of_queries(
    kpi_world, reader, client, django_assert_max_num_queries, filters
):
    client.force_login(reader)
    grow(2)
    small = page_queries(client, filters)
    grow(12)
    # Session, user, roles, then one or two per figure (see lessons/insights.py) and the
    # filter form's choices: about 25 whatever the data.
    with django_assert_max_num_queries(30):
        large = page_queries(client, filters)
    assert large == small
