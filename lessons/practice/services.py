"""Putting lessons into practice: follow-up actions and applications in later projects.

The views ask accounts.policy whether a user may do these; the rules here hold whoever
calls them (a view, the API, a management command).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_curator
from lessons.models import Action, Application, Checklist, Lesson
from projects.models import Project

OPEN_STATUSES = (Action.Status.OPEN, Action.Status.IN_PROGRESS)


def create_action(
    lesson: Lesson,
    *,
    description: str,
    owner: User | None,
    due_on: datetime.date | None = None,
    impact: int = 3,
    effort: int = 3,
    target: str = "",
    target_checklist: Checklist | None = None,
) -> Action:
    """A new open action on a lesson."""
    _check_scores(impact=impact, effort=effort)
    return Action.objects.create(
        lesson=lesson,
        description=description,
        owner=owner,
        due_on=due_on,
        impact=impact,
        effort=effort,
        target=target,
        target_checklist=target_checklist,
    )


# What an action's editor may change besides its status (lesson, dates of record are fixed).
EDITABLE_ACTION_FIELDS = frozenset(
    {"description", "owner", "due_on", "impact", "effort", "target", "target_checklist"}
)


def _check_scores(**scores: int) -> None:
    for name, value in scores.items():
        if value not in range(1, 6):
            raise ValueError(f"An action's {name} is 1 to 5, not {value!r}.")


def update_action(action: Action, *, status: str | None = None, **fields) -> Action:
    """Edit an action: any of ``EDITABLE_ACTION_FIELDS``, and its status.

    The status goes through ``update_action_status`` (unchanged when ``status`` is None), so
    ``completed_on`` follows the one rule whichever page changed it.
    """
    unknown = set(fields) - EDITABLE_ACTION_FIELDS
    if unknown:
        raise ValueError(f"Cannot edit an action's {', '.join(sorted(unknown))}.")
    _check_scores(**{name: fields[name] for name in ("impact", "effort") if name in fields})
    return update_action_status(action, status or action.status, **fields)


def owner_candidates(lesson: Lesson, user: User, *also: User | None) -> list[User]:
    """Whom an action on this lesson is usually given to, sorted by name: the project's team
    (its active members and manager), the user choosing, and anyone in ``also`` (an action's
    current owner, say).

    Deliberately blind to the lesson's submitter: an anonymous lesson's action form must not
    single out its author, so nobody is listed for having written the lesson.
    """
    project = lesson.project
    team = Q(memberships__project=project) | Q(pk=project.manager_id)
    people = User.objects.filter(
        (team & Q(is_active=True)) | Q(pk__in=[user.pk, *(p.pk for p in also if p)])
    ).distinct()
    return sorted(people, key=lambda person: (person.display_name.casefold(), person.pk))


@transaction.atomic
def update_action_status(action: Action, status: str, **fields) -> Action:
    """Move an action to a new status (and change any of its other fields at once).

    ``completed_on`` records the day it was done: set when it becomes done (kept if it was
    done already), cleared when it is reopened or dropped.
    """
    if status not in Action.Status.values:
        raise ValueError(f"Unknown action status {status!r}.")
    for name, value in fields.items():
        setattr(action, name, value)
    if status == Action.Status.DONE:
        if action.status != Action.Status.DONE or action.completed_on is None:
            action.completed_on = timezone.localdate()
    else:
        action.completed_on = None
    action.status = status
    action.save()
    return action


def application_projects(user: User) -> QuerySet[Project]:
    """The projects a user may say applied a lesson: their own, or any for curators."""
    projects = Project.objects.all() if is_curator(user) else Project.objects.with_member(user)
    return projects.order_by("code")


def record_application(
    lesson: Lesson,
    *,
    project: Project,
    applied_by: User,
    how: str,
    outcome: str = Application.Outcome.TOO_EARLY,
    applied_on: datetime.date | None = None,
    hours_saved: Decimal | None = None,
) -> Application:
    """Record that a later project applied a lesson."""
    if hours_saved is not None and hours_saved < 0:
        raise ValueError("Hours saved cannot be negative.")
    if outcome not in Application.Outcome.values:
        raise ValueError(f"Unknown outcome {outcome!r}.")
    return Application.objects.create(
        lesson=lesson,
        project=project,
        applied_by=applied_by,
        applied_on=applied_on or timezone.localdate(),
        how=how,
        outcome=outcome,
        hours_saved=hours_saved,
    )


def my_actions(user: User) -> QuerySet[Action]:
    """The actions a user owns, on lessons they may still see, soonest due first."""
    return (
        Action.objects.filter(owner=user, lesson__in=Lesson.objects.visible_to(user))
        .select_related("lesson")
        .order_by("due_on", "pk")
    )


class AppliedHere(NamedTuple):
    applications: list[Application]
    hours_saved: Decimal


def applied_in(project: Project, user: User) -> AppliedHere:
    """Applications of lessons in this project, only of lessons the user may see, and the
    hours they saved (summed over those same applications, so totals leak nothing)."""
    applications = list(
        Application.objects.filter(
            project=project, lesson__in=Lesson.objects.visible_to(user)
        ).select_related("lesson", "applied_by")
    )
    total = sum((a.hours_saved for a in applications if a.hours_saved is not None), Decimal(0))
    return AppliedHere(applications, total)
