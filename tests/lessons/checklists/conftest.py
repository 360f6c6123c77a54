"""What the tests of curated checklists share: Clara the curator signed in, a visible and
a hidden lesson, the ERP initiation checklist, Colin's completed action that changes it,
and what a checklist or a page holds.
"""

from __future__ import annotations

import html

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from lessons.checklists import rules as checklists
from lessons.models import Action, Checklist, ChecklistItem
from tests.factories import ActionFactory, ChecklistFactory, LessonFactory


@pytest.fixture
def curating(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def lesson(db, project_b):
    """A published, organisation-wide lesson: everyone signed in sees it."""
    return LessonFactory(project=project_b, title="Book the cutover window early")


@pytest.fixture
def hidden(db, project_b):
    """A restricted lesson: only curators (and its author) see it."""
    return LessonFactory(project=project_b, visibility="restricted", title="Hidden marker lesson")


@pytest.fixture
def checklist(db, erp):
    return ChecklistFactory(name="ERP initiation", project_type=erp, phase_name="Initiation")


def items(checklist: Checklist) -> list[str]:
    return list(checklist.items.order_by("order", "pk").values_list("text", flat=True))


def orders(checklist: Checklist) -> list[int]:
    return list(checklist.items.order_by("order", "pk").values_list("order", flat=True))


def cited(item: ChecklistItem) -> list[int]:
    return sorted(item.source_lessons.values_list("pk", flat=True))


def message_texts(response) -> list[str]:
    """Messages still to show after this response (those of earlier answers not followed
    come first)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def last_message(response) -> str:
    return message_texts(response)[-1]


def text_of(response) -> str:
    """The page as a person reads it (entities such as &#x27; turned back into characters)."""
    return html.unescape(response.content.decode())


def write(checklist: Checklist, *texts: str) -> list[ChecklistItem]:
    return [checklists.add_item(checklist, text=text) for text in texts]


@pytest.fixture
def done(lesson, contributor, checklist):
    """Colin's completed action on the lesson, changing the ERP initiation checklist."""
    return ActionFactory(
        lesson=lesson,
        owner=contributor,
        description="Add a cutover-window step",
        status=Action.Status.DONE,
        completed_on=timezone.localdate(),
        target_checklist=checklist,
    )


def follow_up(action: Action) -> str:
    return reverse("curation:action_checklist", args=[action.pk])
