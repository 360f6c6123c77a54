"""What the tests of the curation pages share: Clara the curator signed in, lessons
submitted some days ago or anonymously, and what a page or its messages say.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from lessons.models import Lesson
from tests.factories import LessonFactory

Status = Lesson.Status
TODAY = timezone.localdate


@pytest.fixture
def curating(client, curator):
    client.force_login(curator)
    return client


def submitted(title: str, *, days_ago: float = 0, **fields) -> Lesson:
    """A lesson created as submitted ``days_ago`` days ago (as an import would)."""
    when = timezone.now() - timedelta(days=days_ago)
    lesson = LessonFactory(title=title, status=Status.SUBMITTED, created_at=when, **fields)
    Lesson.history.filter(id=lesson.pk).update(history_date=when)
    return lesson


def anonymous(title: str, author, status: str = Status.SUBMITTED, **fields) -> Lesson:
    lesson = LessonFactory(
        title=title, submitted_by=author, is_anonymous=True, status=Status.DRAFT, **fields
    )
    lesson.status = status
    lesson.save()
    return lesson


def titles(response, name: str = "lessons") -> list[str]:
    return [lesson.title for lesson in response.context[name]]


def message_texts(response) -> list[str]:
    """Messages still to show after this response (those of earlier answers not followed
    come first)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def main_text(response) -> str:
    text = response.content.decode()
    return text[text.find("<main") : text.rfind("</main>")]
