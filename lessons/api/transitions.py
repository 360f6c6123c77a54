"""A curator's transitions of a lesson through the API: approve, reject, send back, archive,
unarchive (``LessonViewSet`` inherits them).

Every endpoint is a row of lessons.workflow.TRANSITIONS offered on the API: its address is
the row's slug, its body the row's needs, and the row says from which statuses it may be
made (409 from any other) and by whom (403 for anyone else); lessons.workflow makes every
status change.
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.base import validated
from lessons import workflow
from lessons.api.base import LESSON_ID, lesson_or_404
from lessons.api.serializers import (
    ApproveSerializer,
    CommentSerializer,
    LessonDetailSerializer,
    OptionalReasonSerializer,
    ReasonSerializer,
)
from lessons.workflow import COMMENT, REASON, REVIEW_DUE, Transition

# The request body of each set of needs a transition of the API may have: (name, required).
_BODIES: dict[frozenset[tuple[str, bool]], type[serializers.Serializer]] = {
    frozenset({(REVIEW_DUE, False)}): ApproveSerializer,
    frozenset({(REASON, True)}): ReasonSerializer,
    frozenset({(REASON, False)}): OptionalReasonSerializer,
    frozenset({(COMMENT, True)}): CommentSerializer,
}


def _body(transition: Transition) -> type[serializers.Serializer]:
    return _BODIES[frozenset((need.name, need.required) for need in transition.needs)]


def _endpoint(transition: Transition, summary: str) -> Callable:
    """The ``POST /api/lessons/{id}/<slug>/`` of one row of the table."""

    def endpoint(self, request: Request, pk=None) -> Response:
        return self._transition(transition, pk)

    endpoint.__name__ = transition.name  # DRF routes an endpoint by its attribute name
    endpoint.__doc__ = None
    routed = action(detail=True, methods=["post"], url_path=transition.slug)(endpoint)
    return extend_schema(
        summary=summary,
        request=_body(transition),
        responses=LessonDetailSerializer,
        parameters=[LESSON_ID],
    )(routed)


class LessonTransitionsMixin:
    """The curators' status changes of ``/api/lessons/{id}/``; 403 for anyone else."""

    def _transition(self, transition: Transition, pk) -> Response:
        """404 for a lesson the caller cannot see, 403 when the table does not let them make
        the transition, 409 when the lesson's status (or anything else the table names) does
        not allow it, 400 for a missing or bad reason."""
        lesson = lesson_or_404(self.request, pk)
        if not transition.permits(self.request.user, lesson):
            raise PermissionDenied("Only curators change a lesson's status.")
        refusal = transition.refusal(lesson)
        if refusal is not None:
            return Response({"detail": refusal}, status=status.HTTP_409_CONFLICT)
        data = validated(_body(transition), self.request.data)
        review_due = data.get(REVIEW_DUE)
        if review_due is not None and not workflow.review_date_allowed(review_due):
            raise ValidationError({REVIEW_DUE: ["Choose a review date after today."]})
        try:
            changed = workflow.make(transition, lesson, by=self.request.user, data=data)
        except workflow.TransitionError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return self._after_transition(changed)

    approve = _endpoint(workflow.APPROVE, "Publish a submitted lesson (curators)")
    reject = _endpoint(
        workflow.REJECT, "Reject a submitted lesson (curators; the author reads the reason)"
    )
    send_back = _endpoint(
        workflow.SEND_BACK, "Send a submitted lesson back to its author as a draft (curators)"
    )
    archive = _endpoint(workflow.ARCHIVE, "Archive a published lesson (curators)")
    unarchive = _endpoint(workflow.UNARCHIVE, "Restore an archived lesson (curators)")
