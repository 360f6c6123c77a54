"""What the lesson API modules share: a lesson the caller may see (or 404), and the shape of
the lists of rows that hang off lessons (ratings, actions, applications)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.base import ID_PATTERN
from config.api.pagination import Pagination
from lessons.models import Lesson

if TYPE_CHECKING:
    from accounts.models import User

LESSON_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The lesson's id.")


def visible_lesson(request: Request, pk, queryset=None) -> Lesson:
    """A lesson this user may see, or 404."""
    if not re.fullmatch(ID_PATTERN, str(pk)):
        raise NotFound("No such lesson.")
    visible = (Lesson.objects if queryset is None else queryset).visible_to(request.user)
    return get_object_or_404(visible, pk=int(pk))


def lesson_or_404(request: Request, pk) -> Lesson:
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

    def lesson_allowing(self, pk, allowed: Callable[[User, Lesson], bool], refusal: str) -> Lesson:
        """The lesson a new row is for: one the user may see (or 404), and may add this row
        to (or 403 with ``refusal``)."""
        lesson = lesson_or_404(self.request, pk)
        if not allowed(self.request.user, lesson):
            raise PermissionDenied(refusal)
        return lesson

    def answer(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        """The row, after a write, as the list shows it."""
        row = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer_class()(row).data, status=code)
