"""The small worlds the figures of /insights/ are worked out on by hand.

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

``outcome_world`` adds closed projects and what they applied (see its docstring).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

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
    world = _organisation()
    lessons = _lessons(world)
    _use(lessons, world)
    _actions(lessons)
    return {"lessons": lessons, "engineering": world["engineering"], "finance": world["finance"]}


def _organisation() -> dict[str, Any]:
    """Departments, project types, projects P1-P3 with their phases, and the people."""
    engineering = DepartmentFactory(name="Engineering")
    finance = DepartmentFactory(name="Finance")
    it = ProjectTypeFactory(name="IT", slug="it")
    build = ProjectTypeFactory(name="Build", slug="build")
    p1 = ProjectFactory(code="P1", project_type=it, department=engineering)
    p2 = ProjectFactory(code="P2", project_type=build, department=finance)
    p3 = ProjectFactory(code="P3", project_type=it, department=finance)
    return {
        "engineering": engineering,
        "finance": finance,
        "p1": p1,
        "p2": p2,
        "p3": p3,
        "planning": PhaseFactory(project=p1, name="Planning", order=2),
        "execution": PhaseFactory(project=p1, name="Execution", order=3),
        "p3_planning": PhaseFactory(project=p3, name="Planning", order=2),
        "ann": UserFactory(
            username="ann", first_name="Ann", last_name="Author", department=engineering
        ),
        "bob": UserFactory(
            username="bob", first_name="Bob", last_name="Builder", department=finance
        ),
        "ali": UserFactory(
            username="ali", first_name="Ali", last_name="Applier", department=finance
        ),
    }


def _lessons(world: dict[str, Any]) -> dict[int, Lesson]:
    """L1-L8 of the table above."""
    p1, p2, p3, ann, bob = (world[key] for key in ("p1", "p2", "p3", "ann", "bob"))
    technical = Category.objects.get(slug="technical")
    financial = Category.objects.get(slug="financial")
    high, likely = Lesson.Impact.HIGH, Lesson.Likelihood.LIKELY

    L = {}
    L[1] = LessonFactory(
        title="Lesson one", project=p1, category=technical, phase=world["planning"],
        occurred_on=D(2025, 1, 10), submitted_by=ann, impact=high, likelihood=likely,
    )  # fmt: skip
    L[2] = LessonFactory(
        title="Lesson two", project=p1, category=technical, phase=world["execution"],
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
        title="Lesson five", project=p3, category=technical, phase=world["p3_planning"],
        occurred_on=D(2025, 4, 20), submitted_by=bob, visibility=Lesson.Visibility.PROJECT,
    )  # fmt: skip
    L[6] = LessonFactory(
        title="Lesson six", project=p1, category=technical, phase=world["planning"],
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
    return L


def _use(L: dict[int, Lesson], world: dict[str, Any]) -> None:
    """Applications A1-A5, ratings and views of the lessons."""
    p1, p2, p3, ann, ali = (world[key] for key in ("p1", "p2", "p3", "ann", "ali"))
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


def _actions(L: dict[int, Lesson]) -> None:
    """Actions X1-X8, in this order."""
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
