"""What the tests of lessons/workflow.py share: lessons in a given status, a snapshot of
one, and each transition called as a curator (or the author) would call it.

Personas as in tests/conftest.py: Colin the contributor writes the lessons, Clara the curator
and Adam the administrator curate them, Rita the reader only reads, Dave has left.
"""

from __future__ import annotations

from django.utils import timezone

from lessons import workflow
from lessons.models import Lesson
from tests.factories import LessonFactory, ProjectFactory

Status = Lesson.Status
TODAY = timezone.localdate


def lesson_by(author, status: str = Status.SUBMITTED, **fields) -> Lesson:
    return LessonFactory(submitted_by=author, status=status, **fields)


def anonymous_lesson(author, status: str = Status.SUBMITTED, **fields) -> Lesson:
    """An anonymous lesson as its author writes it: a signed draft first, then sent on.

    The draft's first history row is recorded as the author's, as the history middleware
    would, so the tests can prove the workflow never brings the author back.
    """
    lesson = LessonFactory.build(
        submitted_by=author,
        is_anonymous=True,
        status=Status.DRAFT,
        project=fields.pop("project", None) or ProjectFactory(),
        **fields,
    )
    lesson._history_user = author
    lesson.save()
    if status != Status.DRAFT:
        lesson.status = status
        lesson._history_user = author
        lesson.save()
    lesson.refresh_from_db()
    return lesson


def snapshot(lesson: Lesson) -> dict:
    """Everything a refused transition must leave as it was, history included."""
    row = Lesson.objects.filter(pk=lesson.pk).values().get()
    row.pop("search_vector", None)
    return {"row": row, "history": lesson.history.count()}


# What each transition does, called as a curator would (submit: as the author).
CALLS = {
    "submit": lambda lesson, curator: workflow.submit(lesson, by=lesson.submitted_by),
    "approve": lambda lesson, curator: workflow.approve(lesson, by=curator),
    "reject": lambda lesson, curator: workflow.reject(lesson, by=curator, reason="Too vague"),
    "send_back": lambda lesson, curator: workflow.send_back(
        lesson, by=curator, comment="Add the root cause"
    ),
    "archive": lambda lesson, curator: workflow.archive(lesson, by=curator, reason="Superseded"),
    "unarchive": lambda lesson, curator: workflow.unarchive(lesson, by=curator),
    "confirm_still_valid": lambda lesson, curator: workflow.confirm_still_valid(lesson, by=curator),
}
# transition -> (the one status it starts from, the status it ends in)
ALLOWED = {
    "submit": (Status.DRAFT, Status.SUBMITTED),
    "approve": (Status.SUBMITTED, Status.PUBLISHED),
    "reject": (Status.SUBMITTED, Status.REJECTED),
    "send_back": (Status.SUBMITTED, Status.DRAFT),
    "archive": (Status.PUBLISHED, Status.ARCHIVED),
    "unarchive": (Status.ARCHIVED, Status.PUBLISHED),
    "confirm_still_valid": (Status.PUBLISHED, Status.PUBLISHED),
}
