"""/projects/<code>/kickoff/: the briefing page and what its manager does there."""

from __future__ import annotations

import datetime

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
from projects.views import _managed_project


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
        phase_id = request.GET["phase"]
        if not (phase_id.isascii() and phase_id.isdigit() and len(phase_id) <= 9):
            raise Http404("No such phase.")
        phase = get_object_or_404(project.phases, pk=int(phase_id))
    ranked = briefing.relevant_lessons(project, request.user, phase=phase)
    can_manage = policy.can_manage_project(request.user, project)
    # Who presents what: only lessons the viewer may see, one query whatever their number.
    assignments = list(
        KickoffAssignment.objects.filter(
            project=project, lesson__in=Lesson.objects.visible_to(request.user)
        )
        .select_related("assignee", "lesson")
        .order_by("assignee__first_name", "assignee__last_name", "lesson__title", "pk")
    )
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


def _kickoff_query(request: HttpRequest) -> str:
    """The kick-off page's own query string (``phase`` only), kept across its POST forms."""
    phase_id = request.GET.get("phase", "")
    if phase_id.isascii() and phase_id.isdigit() and len(phase_id) <= 9:
        return f"?phase={phase_id}"
    return ""


def _back_to_kickoff(request: HttpRequest, project: Project) -> HttpResponse:
    return redirect(reverse("projects:kickoff", args=[project.code]) + _kickoff_query(request))


def _kickoff_lesson(request: HttpRequest, lesson_id) -> Lesson:
    """A lesson the manager may see, or 404."""
    if not (str(lesson_id).isascii() and str(lesson_id).isdigit() and len(str(lesson_id)) <= 9):
        raise Http404("No such lesson.")
    return get_object_or_404(Lesson.objects.visible_to(request.user), pk=int(lesson_id))


@require_POST
def kickoff_assign(request: HttpRequest, code: str) -> HttpResponse:
    project = _managed_project(request, code, "assigns briefing lessons")
    lesson = _kickoff_lesson(request, request.POST.get("lesson", ""))
    assignee_id = request.POST.get("assignee", "")
    assignee = None
    if assignee_id.isascii() and assignee_id.isdigit() and len(assignee_id) <= 9:
        assignee = User.objects.filter(pk=int(assignee_id)).first()
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
    project = _managed_project(request, code, "assigns briefing lessons")
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
    project = _managed_project(request, code, "marks the briefing reviewed")
    services.mark_briefing_reviewed(project, request.user)
    messages.success(request, f"The {project.code} kick-off briefing is marked reviewed.")
    return _back_to_kickoff(request, project)


@require_POST
def kickoff_action(request: HttpRequest, code: str, lesson_id: int) -> HttpResponse:
    project = _managed_project(request, code, "turns briefing lessons into actions")
    lesson = _kickoff_lesson(request, lesson_id)
    if not policy.can_add_action(request.user, lesson):
        messages.error(request, "Only contributors add actions, and only to published lessons.")
        return _back_to_kickoff(request, project)
    create_action(
        lesson,
        description=f"Apply in {project.code}: {lesson.title}",
        owner=request.user,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        target=project.code,
    )
    messages.success(request, f"Action added on “{lesson.title}”, due in 30 days, owned by you.")
    return _back_to_kickoff(request, project)


@require_POST
def kickoff_plan(request: HttpRequest, code: str, lesson_id: int) -> HttpResponse:
    project = _managed_project(request, code, "plans to apply briefing lessons")
    lesson = _kickoff_lesson(request, lesson_id)
    if not policy.can_record_application(request.user, lesson):
        messages.error(
            request, "Only contributors record applications, and only of published lessons."
        )
        return _back_to_kickoff(request, project)
    record_application(
        lesson,
        project=project,
        applied_by=request.user,
        how="Planned at kick-off",
        outcome=Application.Outcome.TOO_EARLY,
    )
    messages.success(request, f"Planned: {project.code} applies “{lesson.title}”.")
    return _back_to_kickoff(request, project)
