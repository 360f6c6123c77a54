"""Recording a lesson: the duplicate check before submission, tag suggestions, and what
changed when an edit collides with someone else's save.

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

from lessons import search
from lessons.capture.forms import LESSON_DETAIL_FIELDS, LESSON_QUICK_FIELDS
from lessons.models import Lesson

if TYPE_CHECKING:
    from accounts.models import User

DUPLICATE_LIMIT = 5
# similar() matches any one shared word; its best few are then kept only when they share
# enough words to look like the same lesson, so the check does not stop every submission.
DUPLICATE_POOL = 20
MIN_SHARED_TITLE_WORDS = 2
MIN_SHARED_WORDS = 4
MIN_SHARED_SHARE = 0.5


def _stem(word: str) -> str:
    """A crude English stem: "changes", "changed" and "change" are one word here."""
    if word.endswith("s") and not word.endswith("ss") and len(word) > 4:
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def significant_words(text: str) -> set[str]:
    """The words that carry meaning: longer than three letters, not stop words, stemmed."""
    return {
        _stem(word)
        for word in search._WORD.findall((text or "").lower())
        if len(word) > 3 and word not in search.STOP_WORDS
    }


def duplicate_text(lesson: Lesson) -> str:
    return " ".join([lesson.title, lesson.summary, lesson.recommendation])


def _likeness(new_title: set[str], new_all: set[str], other: Lesson) -> tuple[int, int] | None:
    """(shared title words, shared words) when ``other`` looks like the same lesson, else None."""
    other_title = significant_words(other.title)
    other_all = other_title | significant_words(f"{other.summary} {other.recommendation}")
    in_title = len(new_title & other_title)
    shared = len(new_all & other_all)
    smaller = min(len(new_all), len(other_all)) or 1
    if in_title >= MIN_SHARED_TITLE_WORDS or (
        shared >= MIN_SHARED_WORDS and shared / smaller >= MIN_SHARED_SHARE
    ):
        return in_title, shared
    return None


def duplicate_candidates(user: User, lesson: Lesson) -> list[Lesson]:
    """Lessons this user may see that look like the same lesson, most alike first (at most 5).

    The search backend finds lessons sharing significant words with the new one's title,
    summary and lesson; of its best matches, those sharing enough words are kept.
    """
    visible = (
        Lesson.objects.visible_to(user)
        .exclude(pk=lesson.pk)
        .filter(merged_into__isnull=True)
        # Drafts are unfinished and rejected lessons turned down: neither is "recorded".
        .exclude(status__in=[Lesson.Status.DRAFT, Lesson.Status.REJECTED])
    )
    text = duplicate_text(lesson)
    ranked = list(
        search.similar(visible, text, limit=DUPLICATE_POOL)
        .select_related("project")
        .only("title", "summary", "recommendation", "status", "project__code", "project__name")
    )
    new_title = significant_words(lesson.title)
    new_all = significant_words(text)
    alike = []
    for position, other in enumerate(ranked):
        likeness = _likeness(new_title, new_all, other)
        if likeness is not None:
            alike.append((-likeness[0], -likeness[1], position, other))
    return [other for *_, other in sorted(alike, key=lambda row: row[:3])][:DUPLICATE_LIMIT]


def duplicate_snippets(lessons: list[Lesson], lesson: Lesson) -> dict[int, str]:
    """Highlighted snippets showing the words the candidates share with the new lesson."""
    words = sorted(significant_words(duplicate_text(lesson)))[:12]
    if not lessons or not words:
        return {}
    return search.snippets([other.pk for other in lessons], " or ".join(words))


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
