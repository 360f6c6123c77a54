"""/projects/<code>/kickoff/: the briefing page and what its manager does there."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import User
from lessons.briefing import relevance as briefing
from lessons.models import Application, Lesson
from lessons.practice.services import create_action, record_application
from projects import services
from projects.models import KickoffAssignment, Project
from projects.shortcuts import managed_project

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def kickoff(request: HttpRequest, code: str) -> HttpResponse:
    """The lessons of earlier projects most relevant to this one, and its checklists.

    Shown to anyone who may see the project page; every lesson comes through the access rule.
    ``?phase=<id>`` (a phase of this project) narrows it to lessons of phases of that name.
    """
    project = get_object_or_404(
        Project.objects.select_related(
            "project_type", "department", "manager", "briefing_reviewed_by"
        ),
        code=code,
    )
    phase = None
    if request.GET.get("phase"):
        phase_id = _as_id(request.GET["phase"])
        if phase_id is None:
            raise Http404("No such phase.")
        phase = get_object_or_404(project.phases, pk=phase_id)
    ranked = briefing.relevant_lessons(project, request.user, phase=phase)
    can_manage = policy.can_manage_project(request.user, project)
    assignments = _assignments(project, request.user)
    by_lesson = {assignment.lesson_id: assignment for assignment in assignments}
    for lesson in ranked:
        lesson.assignment = by_lesson.get(lesson.pk)
    return render(
        request,
        "projects/kickoff.html",
        {
            "project": project,
            "phase": phase,
            "top": ranked[: briefing.TOP_COUNT],
            "groups": briefing.group_by_phase_and_category(ranked[briefing.TOP_COUNT :]),
            "checklists": briefing.checklists_for(project, request.user, phase=phase),
            "limit": briefing.DEFAULT_LIMIT,
            # Printed links show their full address (the print stylesheet adds it after them).
            "site_url": request.build_absolute_uri("/").rstrip("/"),
            "can_manage": can_manage,
            "assignments": assignments,
            "team": services.kickoff_team(project) if can_manage else [],
            "query": _kickoff_query(request),
        },
    )


def _as_id(value: object) -> int | None:
    """``value`` as an id of ours (at most nine ASCII digits), or None."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _assignments(project: Project, user: User | AnonymousUser) -> list[KickoffAssignment]:
    """Who presents what: only lessons the viewer may see, one query whatever their number."""
    return list(
        KickoffAssignment.objects.filter(
            project=project, lesson__in=Lesson.objects.visible_to(user)
        )
        .select_related("assignee", "lesson")
        .order_by("assignee__first_name", "assignee__last_name", "lesson__title", "pk")
    )


def _kickoff_query(request: HttpRequest) -> str:
    """The kick-off page's own query string (``phase`` only), kept across its POST forms."""
    phase_id = request.GET.get("phase", "")
    return f"?phase={phase_id}" if _as_id(phase_id) is not None else ""


def _back_to_kickoff(request: HttpRequest, project: Project) -> HttpResponse:
    return redirect(reverse("projects:kickoff", args=[project.code]) + _kickoff_query(request))


def _kickoff_lesson(request: HttpRequest, lesson_id) -> Lesson:
    """A lesson the manager may see, or 404."""
    pk = _as_id(lesson_id)
    if pk is None:
        raise Http404("No such lesson.")
    return get_object_or_404(Lesson.objects.visible_to(request.user), pk=pk)


@require_POST
def kickoff_assign(request: HttpRequest, code: str) -> HttpResponse:
    project = managed_project(request, code, "assigns briefing lessons")
    lesson = _kickoff_lesson(request, request.POST.get("lesson", ""))
    assignee_id = _as_id(request.POST.get("assignee", ""))
    assignee = None if assignee_id is None else User.objects.filter(pk=assignee_id).first()
    if assignee is None:
        messages.error(request, "Choose a team member to present this lesson.")
        return _back_to_kickoff(request, project)
    try:
        services.assign_lesson(
            project, lesson, assignee, request.user, note=request.POST.get("note", "")
        )
    except services.KickoffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{assignee} presents “{lesson.title}” at the kick-off.")
    return _back_to_kickoff(request, project)


@require_POST
def kickoff_unassign(request: HttpRequest, code: str, assignment_id: int) -> HttpResponse:
    project = managed_project(request, code, "assigns briefing lessons")
    assignment = get_object_or_404(
        project.kickoff_assignments.filter(
            lesson__in=Lesson.objects.visible_to(request.user)
        ).select_related("assignee", "lesson"),
        pk=assignment_id,
    )
    services.unassign(assignment, request.user)
    messages.success(
        request, f"{assignment.assignee} no longer presents “{assignment.lesson.title}”."
    )
    return _back_to_kickoff(request, project)


@require_POST
def kickoff_reviewed(request: HttpRequest, code: str) -> HttpResponse:
    project = managed_project(request, code, "marks the briefing reviewed")
    services.mark_briefing_reviewed(project, request.user)
    messages.success(request, f"The {project.code} kick-off briefing is marked reviewed.")
    return _back_to_kickoff(request, project)


def _briefing_lesson_step(what: str, allowed: Callable[[User, Lesson], bool], refusal: str):
    """Make ``act(request, project, lesson)`` a manager's POST step on one briefing lesson.

    The view finds the project the user manages (``what`` names the step for anyone else)
    and a lesson they may see; when the rule ``allowed`` lets them, ``act`` runs and its
    answer is the message, else ``refusal`` is. Then back to the briefing.
    """

    def decorate(act: Callable[[HttpRequest, Project, Lesson], str]):
        @require_POST
        @functools.wraps(act)
        def view(request: HttpRequest, code: str, lesson_id: int) -> HttpResponse:
            project = managed_project(request, code, what)
            lesson = _kickoff_lesson(request, lesson_id)
            if allowed(request.user, lesson):
                messages.success(request, act(request, project, lesson))
            else:
                messages.error(request, refusal)
            return _back_to_kickoff(request, project)

        return view

    return decorate


@_briefing_lesson_step(
    "turns briefing lessons into actions",
    policy.can_add_action,
    "Only contributors add actions, and only to published lessons.",
)
def kickoff_action(request: HttpRequest, project: Project, lesson: Lesson) -> str:
    create_action(
        lesson,
        description=f"Apply in {project.code}: {lesson.title}",
        owner=request.user,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        target=project.code,
    )
    return f"Action added on “{lesson.title}”, due in 30 days, owned by you."


@_briefing_lesson_step(
    "plans to apply briefing lessons",
    policy.can_record_application,
    "Only contributors record applications, and only of published lessons.",
)
def kickoff_plan(request: HttpRequest, project: Project, lesson: Lesson) -> str:
    record_application(
        lesson,
        project=project,
        applied_by=request.user,
        how="Planned at kick-off",
        outcome=Application.Outcome.TOO_EARLY,
    )
    return f"Planned: {project.code} applies “{lesson.title}”."
