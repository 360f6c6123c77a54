from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lessons.models import Action, Lesson, Rating
from projects.models import Project


def profile(request: HttpRequest) -> HttpResponse:
    """My lessons in every status, my ratings, my actions, my projects."""
    user = request.user
    visible = Lesson.objects.visible_to(user)
    return render(
        request,
        "accounts/profile.html",
        {
            # Anonymous lessons forgot their author on submission: they are not listed here.
            "my_lessons": visible.filter(submitted_by=user)
            .select_related("project", "category")
            .order_by("-updated_at"),
            "my_ratings": Rating.objects.filter(user=user, lesson__in=visible)
            .select_related("lesson")
            .order_by("-updated_at"),
            "my_actions": Action.objects.filter(owner=user, lesson__in=visible)
            .select_related("lesson")
            .order_by("status", "due_on"),
            "my_projects": Project.objects.with_member(user)
            .select_related("project_type")
            .order_by("-start_date"),
        },
    )
