"""Bad rows are refused by the database itself, not only by forms."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from lessons.models import Action, Category, Rating
from projects.models import Department, Membership, Project, ProjectType
from tests.factories import (
    ActionFactory,
    ApplicationFactory,
    LessonFactory,
    MembershipFactory,
    ProjectFactory,
    RatingFactory,
    UserFactory,
)


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_one_rating_per_user_and_lesson(db):
    rating = RatingFactory()
    assert refused(lambda: Rating.objects.create(lesson=rating.lesson, user=rating.user, score=3))


@pytest.mark.parametrize("score", [0, 6])
def test_rating_score_must_be_one_to_five(db, score):
    lesson, user = LessonFactory(), UserFactory()
    assert refused(lambda: Rating.objects.create(lesson=lesson, user=user, score=score))


@pytest.mark.parametrize("field", ["impact", "effort"])
@pytest.mark.parametrize("value", [0, 6])
def test_action_impact_and_effort_must_be_one_to_five(db, field, value):
    action = ActionFactory()
    assert refused(lambda: Action.objects.filter(pk=action.pk).update(**{field: value}))


def test_one_membership_per_user_and_project(db):
    membership = MembershipFactory()
    assert refused(
        lambda: Membership.objects.create(project=membership.project, user=membership.user)
    )


def test_project_codes_are_unique(db):
    project = ProjectFactory(code="ERP-2025")
    assert refused(
        lambda: Project.objects.create(
            code="ERP-2025",
            name="Another",
            project_type=project.project_type,
            department=project.department,
        )
    )


def test_department_category_and_project_type_names_are_unique(db):
    Department.objects.create(name="Finance")
    ProjectType.objects.create(name="Software", slug="software")
    assert refused(lambda: Department.objects.create(name="Finance"))
    assert refused(lambda: ProjectType.objects.create(name="Software", slug="software-2"))
    assert refused(lambda: Category.objects.create(name="Technical", slug="technical-2"))


def test_project_cannot_end_before_it_starts(db):
    import datetime as dt

    project = ProjectFactory()
    assert refused(
        lambda: Project.objects.filter(pk=project.pk).update(
            start_date=dt.date(2025, 5, 1), end_date=dt.date(2025, 4, 1)
        )
    )


def test_hours_saved_cannot_be_negative(db):
    application = ApplicationFactory()
    from lessons.models import Application

    assert refused(lambda: Application.objects.filter(pk=application.pk).update(hours_saved=-3))
