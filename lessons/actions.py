"""Putting lessons into practice: follow-up actions and applications in later projects.

The views ask accounts.policy whether a user may do these; the rules here hold whoever
calls them (a view, the API, a management command).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.roles import is_curator
from lessons.models import Action, Application, Lesson
from projects.models import Project

if TYPE_CHECKING:
    from accounts.models import User

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
) -> Action:
    """A new open action on a lesson."""
    return Action.objects.create(
        lesson=lesson,
        description=description,
        owner=owner,
        due_on=due_on,
        impact=impact,
        effort=effort,
        target=target,
    )


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
