from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from lessons.models import Lesson
from projects.forms import AddMemberForm
from projects.models import Project
from projects.services import MembershipError, add_member, remove_member


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
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "phases": project.phases.annotate(review_count=Count("reviews")),
            "reviews": project.reviews.select_related("phase", "facilitator"),
            "lessons": lessons,
            "members": project.memberships.select_related("user").order_by(
                "role", "user__first_name", "user__last_name"
            ),
            "can_manage": policy.can_manage_project(request.user, project),
            "add_member_form": AddMemberForm(project)
            if policy.can_manage_project(request.user, project)
            else None,
        },
    )


def _managed_project(request: HttpRequest, code: str) -> Project:
    project = get_object_or_404(Project, code=code)
    if not policy.can_manage_project(request.user, project):
        raise PermissionDenied("Only the project's manager or an administrator manages its team.")
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
