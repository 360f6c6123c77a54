"""What the capture tests share: the four required fields, the edit page's form as loaded,
and lessons that look like a new one."""

from __future__ import annotations

import pytest
from django.test import Client

from lessons.models import Lesson
from tests.factories import LessonFactory

NEW = "/lessons/new/"


def quick(project, **extra) -> dict:
    """The four required fields, and nothing else."""
    return {
        "title": "Book the test environment before the build starts",
        "recommendation": "Make the test environment a *deliverable* with readiness criteria.",
        "project": project.pk,
        "kind": "went_wrong",
        **extra,
    }


def edit_url(lesson: Lesson) -> str:
    return f"/lessons/{lesson.pk}/edit/"


def loaded_form(client: Client, lesson: Lesson) -> dict:
    """What the edit page's form would post back unchanged (its version included)."""
    form = client.get(edit_url(lesson)).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if name == "tags":
            value = ", ".join(tag.name for tag in value or [])
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
        if hasattr(field, "prepare_value") and name in ("project", "phase", "category"):
            data[name] = field.prepare_value(value)
    return data


@pytest.fixture
def similar_lessons(db, project_b):
    visible = LessonFactory(
        title="Supplier test environment arrived three weeks late",
        recommendation="Make each test environment a deliverable with readiness criteria.",
    )
    hidden = LessonFactory(
        title="Supplier test environment arrived late again, restricted",
        recommendation="Make the test environment a deliverable with readiness criteria.",
        visibility=Lesson.Visibility.RESTRICTED,
        project=project_b,
    )
    return visible, hidden


def submit_similar(client, project) -> Lesson:
    client.post(
        NEW,
        {
            **quick(project, title="Supplier test environment was three weeks late"),
            "intent": "submit",
        },
    )
    return Lesson.objects.get(title="Supplier test environment was three weeks late")
