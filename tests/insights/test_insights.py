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

from insights import figures as insights
from insights.figures import InsightFilters
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


def listed_actions(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return sorted(action.description for action in response.context["actions"])


def describe_actions(kpi_world):
    """Name each action of ``kpi_world`` X1..X8 by its creation order, to read the lists."""
    from lessons.models import Action

    for number, action in enumerate(Action.objects.order_by("pk"), start=1):
        Action.objects.filter(pk=action.pk).update(description=f"X{number}")


def test_every_action_figure_links_to_the_actions_behind_it(kpi_world, reader, curator, client):
    describe_actions(kpi_world)
    client.force_login(reader)
    page = client.get("/insights/").context
    # Reader: open X1 X2, X1 overdue, done X3 X4 X5. X6 (on L5) and X7 (on L6) are on lessons
    # Rita may not see: never listed, as never counted.
    assert listed_actions(client, page["actions_urls"]["open"]) == ["X1", "X2"]
    assert listed_actions(client, page["actions_urls"]["overdue"]) == ["X1"]
    assert listed_actions(client, page["actions_urls"]["done"]) == ["X3", "X4", "X5"]
    # The open actions' matrix: X2 has impact 5 and effort 1, X1 the default 3 and 3.
    quick_win = page["action_matrix"]["rows"][0]["cells"][0]
    assert (quick_win["count"], quick_win["url"]) == (
        1,
        "/insights/actions/?state=open&impact=5&effort=1",
    )
    assert listed_actions(client, quick_win["url"]) == ["X2"]
    client.force_login(curator)
    assert listed_actions(client, "/insights/actions/?state=overdue") == ["X1", "X6"]


def test_the_action_list_keeps_the_period_and_filters(kpi_world, reader, client):
    describe_actions(kpi_world)
    march = InsightFilters(start=D(2025, 3, 1), end=D(2025, 3, 31))
    url = march.actions_url(state="done")
    assert url == "/insights/actions/?from=2025-03-01&to=2025-03-31&state=done"
    client.force_login(reader)
    # Done in March: X4 and X5, as the figure counts.
    assert listed_actions(client, url) == ["X4", "X5"]
    assert client.get(url).context["insights_url"] == "/insights/?from=2025-03-01&to=2025-03-31"
    # Department: Engineering is P1, whose lessons L1 L2 carry X1 X2 (open) and X3 (done).
    engineering = InsightFilters(department=kpi_world["engineering"].pk)
    assert listed_actions(client, engineering.actions_url(state="open")) == ["X1", "X2"]


@pytest.mark.parametrize(
    "query", ["state=sometimes", "impact=9", "effort=x", "from=2025-13-45", "department=nope"]
)
def test_bad_action_list_choices_are_left_out_with_a_message(kpi_world, reader, client, query):
    client.force_login(reader)
    response = client.get(f"/insights/actions/?{query}")
    assert response.status_code == 200
    assert "could not be used" in response.content.decode()


def test_a_bad_choice_leaves_the_valid_ones_in_force(kpi_world, reader, client):
    describe_actions(kpi_world)
    client.force_login(reader)
    assert listed_actions(client, "/insights/actions/?state=overdue&impact=9") == ["X1"]


def test_the_action_list_runs_a_fixed_number_of_queries(
    kpi_world, reader, client, django_assert_max_num_queries
):
    client.force_login(reader)
    for lesson in kpi_world["lessons"].values():
        for _ in range(3):
            ActionFactory(lesson=lesson)
    with django_assert_max_num_queries(12):
        assert client.get("/insights/actions/?state=open").status_code == 200


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


def test_risk_matrix_by_likelihood_and_impact(kpi_world, reader, client):
    # L1 L3 likely/high; L2 L4 possible/medium.
    matrix = insights.risk_matrix(reader, InsightFilters(start=D(2025, 1, 1)))
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
        lesson.tags.add("grown", f"grown-{n % 3}")
        closed = ProjectFactory(status="closed", outcome="success", end_date=D(2024, 6, 1))
        ApplicationFactory(lesson=lesson, project=closed, hours_saved=Decimal(n))
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
    # filter form's choices: about 25 whatever the data; outcomes 1 and themes 3 more.
    with django_assert_max_num_queries(34):
        large = page_queries(client, filters)
    assert large == small


# -- project outcomes --------------------------------------------------------------------------


@pytest.fixture
def outcome_world(kpi_world):
    """Closed projects and what they applied, on top of ``kpi_world`` (whose P1-P3 are active,
    so never counted here):

        project  type   dept         status  outcome  ended       applied
        C1       it     Engineering  closed  success  2024-06-30  L1 (organisation)
        C2       build  Finance      closed  failed   2024-09-01  L5 (project-only, P3)
        C3       it     Finance      closed  success  2025-03-01  L6 (restricted), L7 (draft)
        C4       build  Engineering  closed  partial  2025-05-01  L2 and L3
        C5       it     Engineering  closed  failed   2025-08-01  -
        C6       it     Engineering  closed  (none)   2025-08-01  L1        not counted
        C7       it     Engineering  active  success  2025-08-01  L1        not counted
        C8       it     Engineering  closed  failed   (none)      -         no year
    """
    L = kpi_world["lessons"]
    it, build = L[1].project.project_type, L[3].project.project_type
    eng, fin = kpi_world["engineering"], kpi_world["finance"]
    closed = "closed"

    def project(code, kind, dept, outcome, ended, status=closed):
        return ProjectFactory(
            code=code, project_type=kind, department=dept, status=status,
            outcome=outcome, end_date=ended,
        )  # fmt: skip

    c1 = project("C1", it, eng, "success", D(2024, 6, 30))
    c2 = project("C2", build, fin, "failed", D(2024, 9, 1))
    c3 = project("C3", it, fin, "success", D(2025, 3, 1))
    c4 = project("C4", build, eng, "partial", D(2025, 5, 1))
    project("C5", it, eng, "failed", D(2025, 8, 1))
    c6 = project("C6", it, eng, None, D(2025, 8, 1))
    c7 = project("C7", it, eng, "success", D(2025, 8, 1), status="active")
    project("C8", it, eng, "failed", None)
    for lesson, applying in [
        (1, c1),
        (5, c2),
        (6, c3),
        (7, c3),
        (2, c4),
        (3, c4),
        (1, c6),
        (1, c7),
    ]:
        ApplicationFactory(lesson=L[lesson], project=applying, applied_on=D(2025, 1, 1))
    return kpi_world


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
    figures = insights.project_outcomes(reader)
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
    figures = insights.project_outcomes(curator)
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
    assert outcome_figures(insights.project_outcomes(reader, year_2025)["groups"]) == {
        "applied": (1, 0, 1, 0, 0.0),  # C4 partial
        "not_applied": (2, 1, 0, 1, 50.0),  # C3 success, C5 failed
    }
    # Engineering: C1 C4 applied; C5 C8 did not.
    engineering = InsightFilters(department=outcome_world["engineering"].pk)
    assert outcome_figures(insights.project_outcomes(reader, engineering)["groups"]) == {
        "applied": (2, 1, 1, 0, 50.0),
        "not_applied": (2, 0, 0, 2, 0.0),
    }
    # Build: C4 applied (partial); C2 did not (failed).
    build = InsightFilters(project_type="build")
    assert outcome_figures(insights.project_outcomes(reader, build)["groups"]) == {
        "applied": (1, 0, 1, 0, 0.0),
        "not_applied": (1, 0, 0, 1, 0.0),
    }


def test_project_outcomes_without_projects(kpi_world, reader):
    figures = insights.project_outcomes(reader)  # P1-P3 are all still active
    assert figures["total"] == 0
    assert figures["per_year"] == []
    assert [g["rate"] for g in figures["groups"]] == [None, None]


# -- themes ------------------------------------------------------------------------------------


@pytest.fixture
def theme_world(kpi_world):
    """Tags on the lessons of ``kpi_world``, created in this order so their ids are too:

    lesson  project (type)  seen by   tags
    L1      P1 (it)         all       vendor, scope
    L2      P1 (it)         all       vendor, scope, testing
    L3      P2 (build)      all       vendor, budget
    L4      P2 (build)      all       budget, scope
    L5      P3 (it)         curator   secret, vendor     (project-only)
    L6      P1 (it)         curator   secret, vendor     (restricted)
    L7      P1 (it)         no one    draft-only, vendor (draft)
    L8      P2 (build)      no one    merged-only, budget (merged into L3)
    """
    from taggit.models import Tag

    names = ["budget", "scope", "testing", "vendor", "secret", "draft-only", "merged-only"]
    tag = {name: Tag.objects.create(name=name, slug=name) for name in names}
    L = kpi_world["lessons"]
    for lesson, tags in {
        1: ["vendor", "scope"],
        2: ["vendor", "scope", "testing"],
        3: ["vendor", "budget"],
        4: ["budget", "scope"],
        5: ["secret", "vendor"],
        6: ["secret", "vendor"],
        7: ["draft-only", "vendor"],
        8: ["merged-only", "budget"],
    }.items():
        L[lesson].tags.add(*(tag[name] for name in tags))
    return kpi_world


def tag_counts(figures) -> list[tuple[str, int, int]]:
    return [(t["name"], t["lessons"], t["projects"]) for t in figures["tags"]]


def pair_counts(figures) -> list[tuple[str, str, int]]:
    return [(p["first"]["name"], p["second"]["name"], p["count"]) for p in figures["pairs"]]


def test_themes_count_tags_and_pairs_of_the_lessons_counted(theme_world, reader, client):
    figures = insights.themes(reader)
    # Rita counts L1-L4. scope: L1 L2 L4 in P1 P2; vendor: L1 L2 L3 in P1 P2; budget: L3 L4
    # in P2; testing: L2 in P1. Ties by name.
    assert tag_counts(figures) == [
        ("scope", 3, 2),
        ("vendor", 3, 2),
        ("budget", 2, 1),
        ("testing", 1, 1),
    ]
    # Pairs (lower tag id first): L1 scope+vendor; L2 scope+testing, scope+vendor,
    # testing+vendor; L3 budget+vendor; L4 budget+scope. Ties by the first, then second name.
    assert pair_counts(figures) == [
        ("scope", "vendor", 2),
        ("budget", "scope", 1),
        ("budget", "vendor", 1),
        ("scope", "testing", 1),
        ("testing", "vendor", 1),
    ]
    # Each tag links to the search for it, which lists exactly the lessons counted.
    vendor = figures["tags"][1]
    assert vendor["url"] == "/lessons/?tag=vendor"
    client.force_login(reader)
    assert client.get(vendor["url"]).context["total"] == 3


def test_each_tag_pair_links_to_the_lessons_carrying_both(theme_world, reader, client):
    pairs = insights.themes(reader)["pairs"]
    scope_vendor = pairs[0]
    assert scope_vendor["url"] == "/lessons/?tag_all=scope&tag_all=vendor"
    client.force_login(reader)
    listed = client.get(scope_vendor["url"]).context["lessons"]
    assert {lesson.title for lesson in listed} == {"Lesson one", "Lesson two"}


def brute_force_pairs(user, limit):
    """Every pair of tags on one counted lesson, counted in Python: the reference."""
    counted: dict[tuple[str, str], int] = {}
    for lesson in insights.lessons(user).prefetch_related("tags"):
        tags = sorted(lesson.tags.all(), key=lambda tag: tag.pk)
        for index, first in enumerate(tags):
            for second in tags[index + 1 :]:
                key = (first.name, second.name)
                counted[key] = counted.get(key, 0) + 1
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [(first, second, count) for (first, second), count in ranked[:limit]]


@pytest.mark.parametrize("candidates", [1, 2, 3, 5, 60])
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_tag_pairs_are_exact_however_few_tags_are_paired_up_first(
    theme_world, reader, curator, monkeypatch, candidates, limit
):
    """Pairs are counted among the most frequent tags first, and over every tag when a pair
    of less frequent tags could still rank: either way, the same pairs as a full count."""
    p1 = theme_world["lessons"][1].project
    for n, tags in enumerate([["alpha", "beta"], ["alpha", "beta"], ["alpha"], ["beta"]]):
        LessonFactory(title=f"Extra {n}", project=p1).tags.add(*tags)
    monkeypatch.setattr(insights, "PAIR_CANDIDATES", candidates)
    for user in (reader, curator):
        assert pair_counts(insights.themes(user, limit=limit)) == brute_force_pairs(user, limit)


def test_tag_pairs_need_no_full_count_when_the_frequent_tags_settle_them(
    theme_world, reader, monkeypatch
):
    full_counts = []
    exact = insights._tag_pairs
    monkeypatch.setattr(
        insights, "_tag_pairs", lambda *args: full_counts.append(args) or exact(*args)
    )
    # Rita's tags: scope 3, vendor 3, budget 2, testing 1. Among the first three, scope+vendor
    # is on 2 lessons; testing, left out, is on 1: no pair with it can reach 2.
    monkeypatch.setattr(insights, "PAIR_CANDIDATES", 3)
    assert pair_counts(insights.themes(reader, limit=1)) == [("scope", "vendor", 2)]
    assert full_counts == []
    # The second pair has 1 lesson, as many as testing: only a full count can rank it.
    assert len(insights.themes(reader, limit=2)["pairs"]) == 2
    assert len(full_counts) == 1


def test_themes_by_project_type(theme_world, reader, client):
    matrix = insights.themes(reader)["by_type"]
    assert matrix["columns"] == ["Build", "IT"]
    # scope: L4 build, L1 L2 it; vendor: L3 build, L1 L2 it; budget: L3 L4 build; testing: L2.
    assert {k: v[0] for k, v in cells_of(matrix).items()} == {
        ("scope", "Build"): 1,
        ("scope", "IT"): 2,
        ("vendor", "Build"): 1,
        ("vendor", "IT"): 2,
        ("budget", "Build"): 2,
        ("budget", "IT"): 0,
        ("testing", "Build"): 0,
        ("testing", "IT"): 1,
    }
    scope_it = matrix["rows"][0]["cells"][1]
    assert scope_it["url"] == "/lessons/?tag=scope&project_type=it"
    client.force_login(reader)
    assert client.get(scope_it["url"]).context["total"] == 2


def test_themes_hide_tags_only_on_lessons_the_viewer_may_not_see(theme_world, reader, curator):
    reader_tags = {t["name"] for t in insights.themes(reader)["tags"]}
    assert reader_tags == {"scope", "vendor", "budget", "testing"}
    # Clara adds L5 and L6: vendor L1 L2 L3 L5 L6 in P1 P2 P3; secret L5 L6 in P3 P1.
    # The draft (L7) and the merged lesson (L8) count for no one: no draft-only, merged-only,
    # and budget stays at L3 L4.
    figures = insights.themes(curator)
    assert tag_counts(figures) == [
        ("vendor", 5, 3),
        ("scope", 3, 2),
        ("budget", 2, 1),
        ("secret", 2, 2),
        ("testing", 1, 1),
    ]
    # secret was created after vendor, so the pair is vendor+secret: L5 and L6.
    assert pair_counts(figures)[:2] == [("scope", "vendor", 2), ("vendor", "secret", 2)]
    for names in pair_counts(insights.themes(reader)):
        assert "secret" not in names and "draft-only" not in names


def test_themes_follow_the_filters_and_the_limit(theme_world, reader, client):
    engineering = InsightFilters(department=theme_world["engineering"].pk)
    figures = insights.themes(reader, engineering)
    # Engineering is P1: L1 L2.
    assert tag_counts(figures) == [("scope", 2, 1), ("vendor", 2, 1), ("testing", 1, 1)]
    assert pair_counts(figures) == [
        ("scope", "vendor", 2),
        ("scope", "testing", 1),
        ("testing", "vendor", 1),
    ]
    url = figures["tags"][0]["url"]
    assert url == f"/lessons/?department={theme_world['engineering'].pk}&tag=scope"
    client.force_login(reader)
    assert client.get(url).context["total"] == 2
    # The period is the lesson's date: from March, L3 L4.
    spring = InsightFilters(start=D(2025, 3, 1))
    assert tag_counts(insights.themes(reader, spring)) == [
        ("budget", 2, 1),
        ("scope", 1, 1),
        ("vendor", 1, 1),
    ]
    assert insights.themes(reader, spring)["tags"][0]["url"] == (
        "/lessons/?occurred_after=2025-03-01&tag=budget"
    )
    top_two = insights.themes(reader, limit=2)
    assert [t["name"] for t in top_two["tags"]] == ["scope", "vendor"]
    assert len(top_two["pairs"]) == 2
    assert [row["label"] for row in top_two["by_type"]["rows"]] == ["scope", "vendor"]


def test_themes_without_tags(kpi_world, reader):
    figures = insights.themes(reader)
    assert figures["tags"] == [] and figures["pairs"] == []
    assert figures["by_type"]["total"] == 0


def test_the_page_shows_outcomes_and_themes(outcome_world, reader, client):
    L = outcome_world["lessons"]
    L[1].tags.add("vendor", "scope")
    L[6].tags.add("secret")
    client.force_login(reader)
    response = client.get("/insights/")
    page = response.content.decode()
    assert 'id="outcomes"' in page and 'id="themes"' in page
    assert response.context["outcomes"]["total"] == 6
    assert 'href="/lessons/?tag=vendor"' in page
    assert "secret" not in page
    assert "tag=scope&amp;tag=vendor" not in page  # a pair is not a link (tags OR together)
    assert "style=" not in page
