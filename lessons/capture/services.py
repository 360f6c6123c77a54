"""Recording a lesson: tag suggestions, and what changed when an edit collides with
someone else's save.

Every lesson shown or counted here comes through ``Lesson.objects.visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils.text import Truncator
from taggit.models import TaggedItem

from lessons.capture.forms import LESSON_DETAIL_FIELDS, LESSON_QUICK_FIELDS
from lessons.models import Lesson

if TYPE_CHECKING:
    from accounts.models import User


def tag_suggestions(user: User, text: str = "", limit: int = 10) -> list[str]:
    """The most used tags of lessons this user may see, optionally containing ``text``."""
    items = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Lesson),
        object_id__in=Lesson.objects.visible_to(user).values("pk"),
    )
    if text:
        items = items.filter(tag__name__icontains=text)
    rows = (
        items.values("tag__name")
        .annotate(uses=Count("id"))
        .order_by("-uses", "tag__name")
        .values_list("tag__name", flat=True)[:limit]
    )
    return list(rows)


# -- edit conflicts -------------------------------------------------------------------------

# Compared between the version an editor loaded and the one saved since. Tags are not in
# the history (django-simple-history keeps the lesson row only), so they cannot be compared.
CONFLICT_FIELDS = (
    *(name for name in (*LESSON_QUICK_FIELDS, *LESSON_DETAIL_FIELDS) if name != "tags"),
    "status",
)
LONG_TEXT = 280


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class EditConflict:
    saved_by: str
    saved_at: dt.datetime
    # None when the version the editor loaded is not in the history (e.g. bulk-loaded lessons).
    changes: list[Change] | None
    current_version: int


def _display(record, name: str) -> str:
    field = Lesson._meta.get_field(name)
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "(empty)"
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else "(removed)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.strftime("%-d %b %Y")
    return Truncator(str(value)).chars(LONG_TEXT)


def edit_conflict(
    current: Lesson, loaded_version: int | None, viewer: User, labels: Mapping[str, str]
) -> EditConflict:
    """Who saved the lesson after ``loaded_version`` was opened, when, and what they changed."""
    history = current.history.order_by("-history_date", "-history_id")
    latest = history.select_related("history_user").first()
    loaded = history.filter(version=loaded_version).first() if loaded_version else None
    changes = None
    if loaded is not None:
        changes = [
            Change(labels.get(name, name.replace("_", " ").capitalize()), before, after)
            for name in CONFLICT_FIELDS
            if (before := _display(loaded, name)) != (after := _display(current, name))
        ]
    return EditConflict(
        saved_by=_saved_by(current, latest, viewer),
        saved_at=latest.history_date if latest is not None else current.updated_at,
        changes=changes,
        current_version=current.version,
    )


def _saved_by(current: Lesson, latest, viewer: User) -> str:
    """A name only where it reveals nothing: never on an anonymous lesson."""
    if latest is None or latest.history_user_id is None or current.is_anonymous:
        return "Someone else"
    if latest.history_user_id == viewer.pk:
        return "You (in another tab or window)"
    return latest.history_user.display_name
