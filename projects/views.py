from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import User
from lessons import briefing
from lessons.actions import applied_in, create_action, record_application
from lessons.models import Application, Lesson
from projects import services
from projects.forms import AddMemberForm, AttendeesForm, ReviewLessonForm, ReviewOpenForm
from projects.models import KickoffAssignment, PhaseReview, Project
from projects.services import MembershipError, ReviewError, add_member, remove_member


def project_list(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.select_related("project_type", "department", "manager").order_by(
        "-start_date", "code"
    )
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    return render(request, "projects/project_list.html", {"page": page})


def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = get_object_or_404(
        Project.objects.select_related("project_type", "department", "manager"), code=code
    )
    lessons = (
        Lesson.objects.visible_to(request.user)
        .filter(project=project)
        .for_cards()
        .order_by("phase__order", "-published_at", "-pk")
    )
    can_manage = policy.can_manage_project(request.user, project)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "phase_now": briefing.current_phase(project, timezone.localdate()),
            "phases": project.phases.annotate(review_count=Count("reviews")),
            "reviews": project.reviews.select_related("phase", "facilitator").order_by(
                "-held_on", "-pk"
            )
            if services.can_view_review(request.user, project)
            else None,
            "lessons": lessons,
            # Lessons applied in this project: visible lessons only, totals over those alone.
            "applied": applied_in(project, request.user),
            "members": project.memberships.select_related("user").order_by(
                "role", "user__first_name", "user__last_name"
            ),
            "can_manage": can_manage,
            "add_member_form": AddMemberForm(project) if can_manage else None,
        },
    )


def _managed_project(request: HttpRequest, code: str, what: str = "manages its team") -> Project:
    project = get_object_or_404(Project, code=code)
    if not policy.can_manage_project(request.user, project):
        raise PermissionDenied(f"Only the project's manager or an administrator {what}.")
    return project


@require_POST
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    project = _managed_project(request, code)
    form = AddMemberForm(project, request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a person and a role to add them to the team.")
        return redirect(project)
    try:
        add_member(project, form.cleaned_data["user"], form.cleaned_data["role"])
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{form.cleaned_data['user']} joined {project.code}.")
    return redirect(project)


@require_POST
def member_remove(request: HttpRequest, code: str, membership_id: int) -> HttpResponse:
    project = _managed_project(request, code)
    membership = get_object_or_404(project.memberships.select_related("user"), pk=membership_id)
    remove_member(membership)
    messages.success(request, f"{membership.user} left {project.code}.")
    return redirect(project)


# -- phase review sessions ----------------------------------------------------------------------


def review_url(review: PhaseReview) -> str:
    return reverse("projects:review", args=[review.project.code, review.pk])


def _visible_review(request: HttpRequest, code: str, review_id: int) -> PhaseReview:
    """The session, for its team, curators and administrators; 404 for everyone else."""
    review = get_object_or_404(
        PhaseReview.objects.select_related(
            "project", "project__project_type", "project__department", "phase", "facilitator"
        ),
        project__code=code,
        pk=review_id,
    )
    if not services.can_view_review(request.user, review.project):
        raise Http404("No such review session.")
    return review


def _require_manager(request: HttpRequest, review: PhaseReview, what: str) -> None:
    if not policy.can_manage_project(request.user, review.project):
        raise PermissionDenied(f"Only the project's manager or an administrator {what}.")


def review_open(request: HttpRequest, code: str) -> HttpResponse:
    project = _managed_project(request, code, "opens review sessions")
    form = ReviewOpenForm(project, request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.open_review(project, by=request.user, **form.cleaned_data)
        except ReviewError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "The session is open. Team members can now add their lessons on this page; "
                "close the session when everyone is done.",
            )
            return redirect(review_url(review))
    return render(request, "projects/review_form.html", {"project": project, "form": form})


def review_detail(request: HttpRequest, code: str, review_id: int) -> HttpResponse:
    """The session page; a POST adds a lesson to it (then back here with an empty form)."""
    review = _visible_review(request, code, review_id)
    if request.method != "POST":
        return render(request, "projects/review_detail.html", _review_page(request, review))
    if review.status == PhaseReview.Status.OPEN and not services.can_capture_in_review(
        request.user, review
    ):
        raise PermissionDenied("Only contributors on the project's team add lessons here.")
    form = ReviewLessonForm(request.POST)
    if review.status == PhaseReview.Status.OPEN and form.is_valid():
        fields = dict(form.cleaned_data)
        tags = fields.pop("tags")
        try:
            lesson = services.add_review_lesson(review, by=request.user, tags=tags, **fields)
        except ReviewError as error:
            review.refresh_from_db(fields=["status"])
            if review.status == PhaseReview.Status.OPEN:
                messages.error(request, str(error))
        else:
            messages.success(
                request, f'Added "{lesson.title}" to the session. Add the next one below.'
            )
            return redirect(review_url(review))
    if review.status != PhaseReview.Status.OPEN:
        # Closed while the form was being filled in: refuse, but hand back what was typed.
        messages.error(request, "This session is closed: lessons can no longer be added to it.")
        context = _review_page(request, review, unsaved=form)
        return render(request, "projects/review_detail.html", context, status=409)
    return render(request, "projects/review_detail.html", _review_page(request, review, form))


def _review_page(
    request: HttpRequest,
    review: PhaseReview,
    form: ReviewLessonForm | None = None,
    unsaved: ReviewLessonForm | None = None,
) -> dict:
    user = request.user
    is_open = review.status == PhaseReview.Status.OPEN
    can_manage = policy.can_manage_project(user, review.project)
    can_capture = services.can_capture_in_review(user, review)
    visible = (
        Lesson.objects.visible_to(user)
        .filter(review=review)
        .for_cards()
        .order_by("-created_at", "-pk")
    )
    return {
        "review": review,
        "project": review.project,
        "is_open": is_open,
        "can_manage": can_manage,
        "form": (form or ReviewLessonForm()) if can_capture else None,
        # While the session is open, each attendee sees their own drafts; others' drafts
        # only reach those whom the access rule lets see them (curators).
        "my_lessons": visible.filter(submitted_by=user) if is_open else None,
        "lessons": visible.exclude(submitted_by=user) if is_open else visible,
        # Counted through the access rule like every total: others' drafts are not counted.
        "lesson_count": visible.count(),
        "attendees": review.attendees.order_by("first_name", "last_name", "username"),
        "attendees_form": AttendeesForm(review) if can_manage else None,
        # What was typed into a session that closed meanwhile, to copy elsewhere.
        "unsaved": unsaved if unsaved is not None and unsaved.data.get("title") else None,
    }


@require_POST
def review_attendees(request: HttpRequest, code: str, review_id: int) -> HttpResponse:
    review = _visible_review(request, code, review_id)
    _require_manager(request, review, "records attendance")
    form = AttendeesForm(review, request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the people who attended, from the project's team.")
        return redirect(review_url(review))
    services.set_attendees(review, by=request.user, users=form.cleaned_data["attendees"])
    count = len(form.cleaned_data["attendees"])
    messages.success(request, f"Attendance saved: {count} {'person' if count == 1 else 'people'}.")
    return redirect(review_url(review))


def review_close(request: HttpRequest, code: str, review_id: int) -> HttpResponse:
    """A confirmation page (GET); the POST closes the session and submits its drafts."""
    review = _visible_review(request, code, review_id)
    _require_manager(request, review, "closes a session")
    if review.status != PhaseReview.Status.OPEN:
        messages.info(request, "This session is already closed.")
        return redirect(review_url(review))
    if request.method == "POST":
        try:
            result = services.close_review(review, by=request.user)
        except ReviewError as error:
            messages.error(request, f"The session is still open: {error}")
            return redirect(review_url(review))
        messages.success(request, _closed_message(result))
        return redirect(review_url(review))
    ready, incomplete = services.pending_drafts(review)
    return render(
        request,
        "projects/review_close.html",
        {"review": review, "project": review.project, "ready": ready, "incomplete": incomplete},
    )


def _closed_message(result: services.ClosedReview) -> str:
    sent = result.submitted
    message = (
        f"Session closed: {sent} lesson{'s' if sent != 1 else ''} sent to the curators."
        if sent
        else "Session closed. No lessons were waiting to be sent."
    )
    kept = result.kept_as_drafts
    if kept:
        message += (
            f" {kept} draft{'s' if kept != 1 else ''} had no lesson text yet and "
            f"{'stay drafts' if kept != 1 else 'stays a draft'}: "
            f"{'their authors' if kept != 1 else 'its author'} can finish and submit "
            f"{'them' if kept != 1 else 'it'}."
        )
    return message


# -- kick-off briefing --------------------------------------------------------------------------


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
