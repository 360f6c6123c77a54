from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from lessons.models import Lesson
from projects.models import Project


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
        },
    )
