"""Who changed a lesson and why, as its edit history (django-simple-history) records it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.text import Truncator

if TYPE_CHECKING:
    from accounts.models import User
    from lessons.models import Lesson

CHANGE_REASON_LENGTH = 100  # django-simple-history's history_change_reason column


def attribute_change(lesson: Lesson, *, by: User | None = None, reason: str = "") -> Lesson:
    """Name who makes the next save of ``lesson`` and why, for its history record.

    django-simple-history reads both from private attributes of the instance; this is the
    one place that sets them. Without ``by``, the signed-in user of the request is recorded
    (HistoryRequestMiddleware).
    """
    if by is not None:
        lesson._history_user = by
    lesson._change_reason = Truncator(reason).chars(CHANGE_REASON_LENGTH) if reason else None
    return lesson
