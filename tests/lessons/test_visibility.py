"""Lesson.objects.visible_to(user): the single access rule (docs/architecture.md)."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from lessons.models import Lesson
from tests.factories import LessonFactory, MembershipFactory, ProjectFactory, UserFactory

STATUSES = list(Lesson.Status.values)
VISIBILITIES = list(Lesson.Visibility.values)


@pytest.fixture
def matrix(project_a, project_b):
    """One lesson per project x visibility x status, written by an unrelated author."""
    author = UserFactory(username="outsider-author")
    return {
        (project.code, visibility, status): LessonFactory(
            project=project,
            visibility=visibility,
            status=status,
            submitted_by=author,
            title=f"{project.code} {visibility} {status}",
        )
        for project, visibility, status in itertools.product(
            (project_a, project_b), VISIBILITIES, STATUSES
        )
    }


def visible_keys(user, matrix) -> set[tuple[str, str, str]]:
    visible_ids = set(Lesson.objects.visible_to(user).values_list("id", flat=True))
    return {key for key, lesson in matrix.items() if lesson.id in visible_ids}


def expected_for_member_of(project_codes: set[str]) -> set[tuple[str, str, str]]:
    return {
        (code, visibility, "published")
        for code in ("PRJ-A", "PRJ-B")
        for visibility in VISIBILITIES
        if visibility == "organisation" or (visibility == "project" and code in project_codes)
    }


def test_reader_sees_only_published_organisation_lessons(reader, matrix):
    assert visible_keys(reader, matrix) == expected_for_member_of(set())


def test_contributor_sees_project_lessons_of_their_own_project_only(contributor, matrix):
    assert visible_keys(contributor, matrix) == expected_for_member_of({"PRJ-A"})


def test_project_manager_counts_as_member_without_membership_row(project_b, matrix):
    manager = UserFactory(username="manager-b")
    project_b.manager = manager
    project_b.save()
    assert visible_keys(manager, matrix) == expected_for_member_of({"PRJ-B"})


def test_membership_in_both_projects_shows_both(contributor, project_b, matrix):
    MembershipFactory(project=project_b, user=contributor)
    assert visible_keys(contributor, matrix) == expected_for_member_of({"PRJ-A", "PRJ-B"})


@pytest.mark.parametrize("persona", ["curator", "administrator"])
def test_curators_and_administrators_see_every_status_and_visibility(persona, request, matrix):
    user = request.getfixturevalue(persona)
    assert visible_keys(user, matrix) == set(matrix)


def test_superuser_counts_as_administrator(db, matrix):
    superuser = UserFactory(username="root", is_superuser=True)
    assert visible_keys(superuser, matrix) == set(matrix)


def test_signed_out_and_deactivated_users_see_nothing(deactivated, matrix):
    assert visible_keys(AnonymousUser(), matrix) == set()
    assert visible_keys(deactivated, matrix) == set()


def test_deactivated_curator_sees_nothing(db, matrix):
    former_curator = UserFactory(username="ex-curator", role="Curator", is_active=False)
    assert visible_keys(former_curator, matrix) == set()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_author_sees_own_lessons_in_every_status_and_visibility(
    reader, project_b, status, visibility
):
    own = LessonFactory(
        project=project_b, submitted_by=reader, status=status, visibility=visibility
    )
    someone_elses = LessonFactory(project=project_b, status=status, visibility=visibility)
    visible = Lesson.objects.visible_to(reader)
    assert own in visible
    assert (someone_elses in visible) == (status == "published" and visibility == "organisation")


def test_anonymous_author_keeps_their_draft_but_loses_it_once_submitted(reader, project_b):
    lesson = LessonFactory(
        project=project_b,
        submitted_by=reader,
        is_anonymous=True,
        status=Lesson.Status.DRAFT,
        visibility=Lesson.Visibility.RESTRICTED,
    )
    assert lesson in Lesson.objects.visible_to(reader)

    lesson.status = Lesson.Status.SUBMITTED
    lesson.save()

    assert lesson not in Lesson.objects.visible_to(reader)


def test_leaving_a_project_hides_its_project_lessons_at_once(contributor, project_a):
    lesson = LessonFactory(project=project_a, visibility=Lesson.Visibility.PROJECT)
    assert lesson in Lesson.objects.visible_to(contributor)

    contributor.memberships.filter(project=project_a).delete()

    assert lesson not in Lesson.objects.visible_to(contributor)


def test_visible_to_returns_each_lesson_once_for_manager_and_member(contributor, project_a):
    project_a.manager = contributor
    project_a.save()
    lesson = LessonFactory(project=project_a, visibility=Lesson.Visibility.PROJECT)
    other_project = ProjectFactory()
    MembershipFactory(project=other_project, user=contributor)

    assert list(Lesson.objects.visible_to(contributor)) == [lesson]
