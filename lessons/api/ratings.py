"""/api/ratings/: each person's own ratings."""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import policy
from config.api.base import validated
from lessons.api.base import LessonRowsViewSet, lesson_or_404
from lessons.api.serializers import (
    RatingSerializer,
    RatingWriteSerializer,
)
from lessons.models import Lesson, Rating
from lessons.ratings import rate_lesson, remove_rating


@extend_schema_view(
    list=extend_schema(summary="Your ratings (of lessons you may see)"),
    retrieve=extend_schema(summary="One of your ratings"),
)
class RatingViewSet(LessonRowsViewSet):
    """Your own ratings. Rating again the same lesson changes your rating; the lesson's
    average and count stay exact (lessons.ratings)."""

    serializer_class = RatingSerializer
    rows = Rating.objects.select_related("lesson").order_by("-updated_at", "-pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return Rating.objects.none()
        return super().get_queryset().filter(user=self.request.user)

    def _rate(self, lesson: Lesson, score: int, comment: str) -> Rating:
        if not policy.can_rate(self.request.user, lesson):
            raise PermissionDenied("Only published lessons can be rated.")
        return rate_lesson(lesson, self.request.user, score, comment)

    @extend_schema(
        summary="Rate a lesson",
        description="Rates a published lesson you may see (404 for one you may not). If "
        "you rated it already, your rating changes (200); a new one answers 201.",
        request=RatingWriteSerializer,
        responses={200: RatingSerializer, 201: RatingSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(RatingWriteSerializer, request.data)
        missing = {name: ["This field is required."] for name in ("lesson", "score")}
        missing = {name: error for name, error in missing.items() if name not in data}
        if missing:
            raise ValidationError(missing)
        lesson = lesson_or_404(request, data["lesson"])
        existed = Rating.objects.filter(lesson=lesson, user=request.user).exists()
        rating = self._rate(lesson, data["score"], data.get("comment", ""))
        return self.answer(rating.pk, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change your rating",
        request=RatingWriteSerializer,
        responses=RatingSerializer,
    )
    def update(self, request: Request, pk=None, partial: bool = False) -> Response:
        rating = self.get_object()
        data = validated(RatingWriteSerializer, request.data)
        self._rate(
            rating.lesson, data.get("score", rating.score), data.get("comment", rating.comment)
        )
        return self.answer(rating.pk)

    @extend_schema(
        summary="Change your rating", request=RatingWriteSerializer, responses=RatingSerializer
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Remove your rating", responses={204: None})
    def destroy(self, request: Request, pk=None) -> Response:
        rating = self.get_object()
        remove_rating(rating.lesson, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
