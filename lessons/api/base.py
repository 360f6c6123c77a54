"""What the lesson API modules share: a lesson the caller may see, or 404."""

from __future__ import annotations

import re

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
)
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from config.api.base import ID_PATTERN
from lessons.models import Lesson


def visible_lesson(request: Request, pk, queryset=None) -> Lesson:
    """A lesson this user may see, or 404 (DESIGN.md section 5)."""
    if not re.fullmatch(ID_PATTERN, str(pk)):
        raise NotFound("No such lesson.")
    visible = (Lesson.objects if queryset is None else queryset).visible_to(request.user)
    return get_object_or_404(visible, pk=int(pk))


def _lesson_or_404(request: Request, pk) -> Lesson:
    """A lesson about to change (or be rated, acted on...): visible, or 404."""
    return visible_lesson(request, pk, Lesson.objects.select_related("project", "review"))


LESSON_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The lesson's id.")
