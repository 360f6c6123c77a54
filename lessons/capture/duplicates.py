"""Before an author submits: lessons that look like the same one, among those they may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lessons import search
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
