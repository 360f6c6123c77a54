"""accounts.policy: what each persona may do (seeing is visible_to's job, tested elsewhere)."""

from __future__ import annotations

import pytest

from accounts import policy
from tests.factories import LessonFactory, MembershipFactory, UserFactory

# persona -> (creates lessons, curates, manages users)
ROLE_RIGHTS = {
    "reader": (False, False, False),
    "contributor": (True, False, False),
    "curator": (True, True, False),
    "administrator": (True, True, True),
    "deactivated": (False, False, False),
}


@pytest.mark.parametrize("persona", list(ROLE_RIGHTS))
def test_what_each_role_may_do(db, request, persona):
    user = request.getfixturevalue(persona)
    rights = (
        policy.can_create_lesson(user),
        policy.can_curate(user),
        policy.can_manage_users(user),
    )
    assert rights == ROLE_RIGHTS[persona]


@pytest.mark.parametrize("status", ["draft", "submitted", "published", "rejected", "archived"])
def test_authors_edit_only_their_own_drafts_and_curators_edit_anything(
    contributor, curator, status
):
    own = LessonFactory(submitted_by=contributor, status=status)
    someone_elses = LessonFactory(status=status)
    assert policy.can_edit_lesson(contributor, own) is (status == "draft")
    assert policy.can_edit_lesson(contributor, someone_elses) is False
    assert policy.can_edit_lesson(curator, own) is True


@pytest.mark.parametrize("status", ["draft", "submitted", "published", "rejected", "archived"])
def test_only_published_lessons_are_rated_or_applied(reader, contributor, status):
    lesson = LessonFactory(status=status)
    assert policy.can_rate(reader, lesson) is (status == "published")
    assert policy.can_record_application(contributor, lesson) is (status == "published")
    assert policy.can_record_application(reader, lesson) is False


def test_project_management_belongs_to_its_manager_and_administrators(
    contributor, administrator, project_a, project_b
):
    manager = UserFactory(username="pm")
    MembershipFactory(project=project_a, user=manager, role="manager")
    named_manager = UserFactory(username="named-pm")
    project_b.manager = named_manager
    project_b.save()

    assert policy.can_manage_project(manager, project_a) is True
    assert policy.can_manage_project(manager, project_b) is False
    assert policy.can_manage_project(named_manager, project_b) is True
    assert policy.can_manage_project(contributor, project_a) is False  # a member, not manager
    assert policy.can_manage_project(administrator, project_b) is True
    assert policy.is_project_member(contributor, project_a) is True
    assert policy.is_project_member(contributor, project_b) is False


def test_deactivated_users_may_do_nothing(deactivated, project_a):
    lesson = LessonFactory(submitted_by=deactivated, status="draft", project=project_a)
    assert not policy.can_edit_lesson(deactivated, lesson)
    assert not policy.can_rate(deactivated, LessonFactory())
    assert not policy.is_project_member(deactivated, project_a)
