"""A curator's transitions of a lesson through the API: approve, reject, send back, archive,
unarchive (``LessonViewSet`` inherits them; lessons.workflow makes every status change)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import policy
from config.api.base import validated
from lessons import workflow
from lessons.api.base import LESSON_ID, _lesson_or_404
from lessons.api.serializers import (
    ApproveSerializer,
    CommentSerializer,
    LessonDetailSerializer,
    OptionalReasonSerializer,
    ReasonSerializer,
)


class LessonTransitionsMixin:
    """The curators' status changes of ``/api/lessons/{id}/``; 403 for anyone else."""

    def _curate(self, pk, serializer_class, run) -> Response:
        """A curator's transition: 403 for anyone else, 409 when the lesson's status does
        not allow it, 400 for a missing or bad reason."""
        lesson = _lesson_or_404(self.request, pk)
        if not policy.can_curate(self.request.user):
            raise PermissionDenied("Only curators change a lesson's status.")
        data = validated(serializer_class, self.request.data)
        try:
            changed = run(lesson, data)
        except workflow.TransitionError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return self._after_transition(changed)

    @extend_schema(
        summary="Publish a submitted lesson (curators)",
        request=ApproveSerializer,
        responses=LessonDetailSerializer,
        parameters=[LESSON_ID],
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk=None) -> Response:
        def run(lesson, data):
            review_due = data.get("review_due")
            if review_due is not None and review_due <= timezone.localdate():
                raise ValidationError({"review_due": ["Choose a review date after today."]})
            return workflow.approve(lesson, by=request.user, review_due=review_due)

        return self._curate(pk, ApproveSerializer, run)

    @extend_schema(
        summary="Reject a submitted lesson (curators; the author reads the reason)",
        request=ReasonSerializer,
        responses=LessonDetailSerializer,
        parameters=[LESSON_ID],
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk=None) -> Response:
        return self._curate(
            pk,
            ReasonSerializer,
            lambda lesson, data: workflow.reject(lesson, by=request.user, reason=data["reason"]),
        )

    @extend_schema(
        summary="Send a submitted lesson back to its author as a draft (curators)",
        request=CommentSerializer,
        responses=LessonDetailSerializer,
        parameters=[LESSON_ID],
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk=None) -> Response:
        return self._curate(
            pk,
            CommentSerializer,
            lambda lesson, data: workflow.send_back(
                lesson, by=request.user, comment=data["comment"]
            ),
        )

    @extend_schema(
        summary="Archive a published lesson (curators)",
        request=OptionalReasonSerializer,
        responses=LessonDetailSerializer,
        parameters=[LESSON_ID],
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk=None) -> Response:
        return self._curate(
            pk,
            OptionalReasonSerializer,
            lambda lesson, data: workflow.archive(
                lesson, by=request.user, reason=data.get("reason", "")
            ),
        )

    @extend_schema(
        summary="Restore an archived lesson (curators)",
        request=OptionalReasonSerializer,
        responses=LessonDetailSerializer,
        parameters=[LESSON_ID],
    )
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, pk=None) -> Response:
        return self._curate(
            pk,
            OptionalReasonSerializer,
            lambda lesson, data: workflow.unarchive(
                lesson, by=request.user, reason=data.get("reason", "")
            ),
        )
