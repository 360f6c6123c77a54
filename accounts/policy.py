"""Who may do what: the one access policy every view, form, export and API asks.

Which lessons a user may *see* is decided by ``Lesson.objects.visible_to(user)`` alone;
the functions here decide what a user may *do*, and each assumes the lesson was fetched
through that rule (a lesson one may not see is answered with 404 before any of these).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.roles import is_administrator, is_contributor, is_curator

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from lessons.models import Action, Lesson
    from projects.models import Project

    AnyUser = User | AnonymousUser


def _active(user: AnyUser) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_project_member(user: AnyUser, project: Project) -> bool:
    """A Membership row, or named as the project's manager."""
    if not _active(user):
        return False
    return project.manager_id == user.pk or project.memberships.filter(user=user).exists()


def is_project_manager(user: AnyUser, project: Project) -> bool:
    if not _active(user):
        return False
    return (
        project.manager_id == user.pk
        or project.memberships.filter(user=user, role="manager").exists()
    )


def can_create_lesson(user: AnyUser) -> bool:
    """Contributors (and curators and administrators) record lessons."""
    return _active(user) and is_contributor(user)


def can_edit_lesson(user: AnyUser, lesson: Lesson) -> bool:
    """Curators edit any lesson at any time; the author edits their own while it is a draft."""
    if not _active(user):
        return False
    if is_curator(user):
        return True
    return lesson.status == "draft" and lesson.submitted_by_id == user.pk


def can_curate(user: AnyUser) -> bool:
    """Change status, merge, archive, manage categories and tags."""
    return _active(user) and is_curator(user)


def can_rate(user: AnyUser, lesson: Lesson) -> bool:
    """Everyone signed in rates published lessons they can see."""
    return _active(user) and lesson.status == "published"


def can_record_application(user: AnyUser, lesson: Lesson) -> bool:
    """Contributors record that a published lesson was applied in a later project."""
    return _active(user) and is_contributor(user) and lesson.status == "published"


def can_manage_project(user: AnyUser, project: Project) -> bool:
    """The project's manager, or an Administrator: members, phases, review sessions."""
    if not _active(user):
        return False
    return is_administrator(user) or is_project_manager(user, project)


def can_create_projects(user: AnyUser) -> bool:
    """Administrators add projects (and may have an import create the ones it names)."""
    return _active(user) and is_administrator(user)


def can_manage_users(user: AnyUser) -> bool:
    return _active(user) and is_administrator(user)


def can_submit_lesson(user: AnyUser, lesson: Lesson) -> bool:
    """The author sends their own draft to curation; curators may send any draft.

    A phase review session's drafts are also its project manager's to send: closing an
    open session submits every draft captured in it together (projects.services.close_review).
    Once the session is closed, a draft of it (one sent back by a curator, say) is its
    author's again.
    """
    if not _active(user) or lesson.status != "draft":
        return False
    if is_curator(user) or lesson.submitted_by_id == user.pk:
        return True
    return (
        lesson.review_id is not None
        and lesson.review.status == "open"
        and lesson.review.project_id == lesson.project_id
        and can_manage_project(user, lesson.project)
    )


def can_add_action(user: AnyUser, lesson: Lesson) -> bool:
    """Contributors (and curators) add follow-up actions to published lessons they can see."""
    return _active(user) and is_contributor(user) and lesson.status == "published"


def can_update_action(user: AnyUser, action: Action) -> bool:
    """An action's owner moves it along; curators may update any action."""
    if not _active(user):
        return False
    return action.owner_id == user.pk or is_curator(user)
