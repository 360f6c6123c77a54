"""Site-wide pages that belong to no app: home and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lessons.models import Lesson

HOME_LIST_SIZE = 6


def home(request: HttpRequest) -> HttpResponse:
    visible = Lesson.objects.visible_to(request.user).published().for_cards()
    return render(
        request,
        "home.html",
        {
            "recent_lessons": visible.order_by("-published_at", "-pk")[:HOME_LIST_SIZE],
            "useful_lessons": visible.filter(rating_count__gt=0).most_useful()[:HOME_LIST_SIZE],
            "my_open_actions": request.user.actions.filter(status__in=["open", "in_progress"])
            .filter(lesson__in=Lesson.objects.visible_to(request.user))
            .select_related("lesson")[:HOME_LIST_SIZE],
        },
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
