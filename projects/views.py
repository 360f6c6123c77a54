from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from lessons.models import Lesson
from lessons.practice.services import applied_in
from projects import services
from projects.forms import AddMemberForm, AttendeesForm, ReviewLessonForm, ReviewOpenForm
from projects.models import PhaseReview, Project
from projects.services import MembershipError, ReviewError, add_member, remove_member
from projects.shortcuts import managed_project


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
            "phase_now": project.current_phase(),
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


@require_POST
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    project = managed_project(request, code)
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
    project = managed_project(request, code)
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
    project = managed_project(request, code, "opens review sessions")
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
