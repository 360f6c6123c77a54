"""What the lesson API modules share: a lesson the caller may see (or 404), and the shape of
the lists of rows that hang off lessons (ratings, actions, applications)."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from config.api.base import ID_PATTERN
from config.api.pagination import Pagination
from lessons.models import Lesson

LESSON_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The lesson's id.")


def visible_lesson(request: Request, pk, queryset=None) -> Lesson:
    """A lesson this user may see, or 404."""
    if not re.fullmatch(ID_PATTERN, str(pk)):
        raise NotFound("No such lesson.")
    visible = (Lesson.objects if queryset is None else queryset).visible_to(request.user)
    return get_object_or_404(visible, pk=int(pk))


def _lesson_or_404(request: Request, pk) -> Lesson:
    """A lesson about to change (or be rated, acted on...): visible, or 404."""
    return visible_lesson(request, pk, Lesson.objects.select_related("project", "review"))


class LessonIdFilterSet(filters.FilterSet):
    """``lesson``: only the rows of this lesson (its id)."""

    lesson = filters.NumberFilter(field_name="lesson_id", min_value=1, max_value=2**31 - 1)


class LessonRowsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rows hanging off lessons, listed a page at a time and read by id: only those of
    lessons the user may see. ``rows`` is every row, ordered, with what it shows."""

    rows: QuerySet
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = LessonIdFilterSet
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet:
        return self.rows.filter(lesson__in=Lesson.objects.visible_to(self.request.user))

    def row(self, pk: int):
        """One row as the list shows it, after a write."""
        return self.get_queryset().get(pk=pk)
