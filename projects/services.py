"""Changes to project teams (membership decides who sees project-only lessons) and phase
review sessions (open, capture lessons, close)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.models import User
from lessons import workflow
from lessons.history import attribute_change
from lessons.models import Lesson
from projects.models import KickoffAssignment, Membership, Phase, PhaseReview, Project

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class MembershipError(ValueError):
    pass


@transaction.atomic
def add_member(project: Project, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    if not user.is_active:
        raise MembershipError(f"{user} is deactivated and cannot join a project.")
    try:
        with transaction.atomic():
            return Membership.objects.create(project=project, user=user, role=role)
    except IntegrityError:
        raise MembershipError(f"{user} is already a member of {project.code}.") from None


@transaction.atomic
def remove_member(membership: Membership) -> None:
    membership.delete()


# -- phase review sessions ----------------------------------------------------------------------
#
# A session is opened by the project's manager, attended by the team, who each add lessons as
# drafts in one sitting; closing it sends all its drafts to the curators together.


class ReviewError(ValueError):
    """A session rule was broken; the message says why, for the person."""


def can_view_review(user: User | AnonymousUser, project: Project) -> bool:
    """The team (members and the manager), curators and administrators open a project's
    sessions; to everyone else they do not exist (404)."""
    return (
        policy.is_project_member(user, project)
        or policy.can_manage_project(user, project)
        or policy.can_curate(user)
    )


def can_capture_in_review(user: User | AnonymousUser, review: PhaseReview) -> bool:
    """While a session is open, every contributor on the project's team adds lessons to it."""
    return (
        review.status == PhaseReview.Status.OPEN
        and policy.can_create_lesson(user)
        and policy.is_project_member(user, review.project)
    )


def _locked_review(review: PhaseReview) -> PhaseReview:
    """The session as it is now, locked until the transaction ends: a lesson added while the
    manager closes the session waits, then finds it closed."""
    return (
        PhaseReview.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=review.pk)
    )


@transaction.atomic
def open_review(
    project: Project,
    *,
    by: User,
    held_on: date,
    phase: Phase | None = None,
    facilitator: User | None = None,
    notes: str = "",
) -> PhaseReview:
    """The manager opens a session for one phase (or the project as a whole)."""
    if not policy.can_manage_project(by, project):
        raise ReviewError("Only the project's manager or an administrator opens review sessions.")
    if phase is not None and phase.project_id != project.pk:
        raise ReviewError(f"{phase} is not a phase of {project.code}.")
    return PhaseReview.objects.create(
        project=project,
        phase=phase,
        held_on=held_on,
        facilitator=facilitator or by,
        notes=notes.strip(),
        status=PhaseReview.Status.OPEN,
    )


@transaction.atomic
def add_review_lesson(
    review: PhaseReview, *, by: User, tags: Iterable[str] = (), **fields: Any
) -> Lesson:
    """Record a lesson in an open session: a draft by ``by``, with the session's project and
    phase. ``fields`` are Lesson fields (title, kind, ...).

    A named lesson notes ``by`` as attending; an anonymous one does not, so that the
    attendee list is never a trace of who wrote it (the manager ticks attendance instead).
    """
    locked = _locked_review(review)
    if locked.status != PhaseReview.Status.OPEN:
        raise ReviewError("This session is closed: lessons can no longer be added to it.")
    if not can_capture_in_review(by, locked):
        raise ReviewError("Only contributors on the project's team add lessons to its sessions.")
    lesson = Lesson(
        **fields,
        project_id=locked.project_id,
        phase_id=locked.phase_id,
        review=locked,
        status=Lesson.Status.DRAFT,
        submitted_by=by,
    )
    attribute_change(lesson, by=by, reason="Captured in a phase review session")
    lesson.save()
    tags = list(tags)
    if tags:
        lesson.tags.add(*tags)
    if not lesson.is_anonymous:
        locked.attendees.add(by)
    return lesson


@transaction.atomic
def set_attendees(review: PhaseReview, *, by: User, users: Iterable[User]) -> None:
    """The manager records who attended (adding a lesson already counts as attending)."""
    if not policy.can_manage_project(by, review.project):
        raise ReviewError("Only the project's manager or an administrator records attendance.")
    review.attendees.set(list(users))


@dataclass(frozen=True)
class ClosedReview:
    review: PhaseReview
    submitted: int  # drafts sent to the curators
    kept_as_drafts: int  # drafts without the lesson itself, left for their authors to finish


@transaction.atomic
def close_review(review: PhaseReview, *, by: User) -> ClosedReview:
    """Close the session and submit every draft captured in it, all or nothing.

    Each draft goes through ``lessons.workflow.submit`` as the manager (accounts.policy lets
    a project's manager submit the drafts of its open sessions). A draft without the lesson
    text cannot be curated: it stays a draft for its author to finish and submit; the
    session closes all the same. Any other refusal undoes the whole close.
    """
    locked = _locked_review(review)
    if not policy.can_manage_project(by, locked.project):
        raise ReviewError("Only the project's manager or an administrator closes a session.")
    if locked.status != PhaseReview.Status.OPEN:
        raise ReviewError("This session is already closed.")
    submitted = kept = 0
    for draft in locked.lessons.filter(status=Lesson.Status.DRAFT).order_by("pk"):
        if not draft.recommendation.strip():
            kept += 1
            continue
        try:
            workflow.submit(draft, by=by)
        except workflow.TransitionError as error:
            raise ReviewError(f'"{draft.title}" could not be submitted: {error}') from error
        submitted += 1
    locked.status = PhaseReview.Status.CLOSED
    locked.save(update_fields=["status"])
    return ClosedReview(review=locked, submitted=submitted, kept_as_drafts=kept)


def pending_drafts(review: PhaseReview) -> tuple[int, int]:
    """How many of the session's drafts closing would submit, and how many lack the lesson."""
    texts = list(
        review.lessons.filter(status=Lesson.Status.DRAFT).values_list("recommendation", flat=True)
    )
    incomplete = sum(1 for text in texts if not text.strip())
    return len(texts) - incomplete, incomplete


# -- kick-off assignments -----------------------------------------------------------------------
#
# The manager gives briefing lessons to team members to read and present at the kick-off, and
# marks the briefing reviewed. A lesson is only given to someone who may see it, by a manager
# who may see it too.


class KickoffError(ValueError):
    """A kick-off rule was broken; the message says why, for the person."""


def _require_kickoff_manager(project: Project, by: User) -> None:
    if not policy.can_manage_project(by, project):
        raise PermissionError("Only the project's manager or an administrator does that.")


def kickoff_team(project: Project) -> list[User]:
    """Who may be given a lesson to present: the project's members and its manager."""
    users = {
        membership.user.pk: membership.user
        for membership in project.memberships.select_related("user")
        if membership.user.is_active
    }
    if project.manager_id and project.manager.is_active:
        users.setdefault(project.manager_id, project.manager)
    return sorted(users.values(), key=lambda u: (u.get_full_name() or u.username).lower())


@transaction.atomic
def assign_lesson(
    project: Project, lesson: Lesson, assignee: User, by: User, note: str = ""
) -> KickoffAssignment:
    """Give ``lesson`` to ``assignee`` to present at ``project``'s kick-off (or hand it over
    from whoever had it)."""
    _require_kickoff_manager(project, by)
    if not policy.is_project_member(assignee, project):
        raise KickoffError(f"{assignee} is not on the {project.code} team: add them first.")
    if not Lesson.objects.visible_to(by).filter(pk=lesson.pk).exists():
        raise KickoffError("You cannot see that lesson, so you cannot assign it.")
    if not Lesson.objects.visible_to(assignee).filter(pk=lesson.pk).exists():
        raise KickoffError(f"{assignee} may not see “{lesson.title}”: choose someone else.")
    assignment, _ = KickoffAssignment.objects.update_or_create(
        project=project,
        lesson=lesson,
        defaults={"assignee": assignee, "assigned_by": by, "note": note.strip()[:200]},
    )
    return assignment


@transaction.atomic
def unassign(assignment: KickoffAssignment, by: User) -> None:
    _require_kickoff_manager(assignment.project, by)
    assignment.delete()


@transaction.atomic
def mark_briefing_reviewed(project: Project, by: User) -> Project:
    _require_kickoff_manager(project, by)
    project.briefing_reviewed_at = timezone.now()
    project.briefing_reviewed_by = by
    project.save(update_fields=["briefing_reviewed_at", "briefing_reviewed_by"])
    return project
