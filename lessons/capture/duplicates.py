"""Before an author submits: lessons that look like the same one, among those they may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lessons import search
from lessons.models import Lesson
from lessons.text import LIKENESS_FIELDS, Wording, likeness

if TYPE_CHECKING:
    from accounts.models import User


DUPLICATE_LIMIT = 5

# similar() matches any one shared word; of its best few, only those the likeness rule
# (lessons.text) accepts are kept, so the check does not stop every submission.
DUPLICATE_POOL = 20


def duplicate_text(lesson: Lesson) -> str:
    """What the search for look-alikes reads: the title, summary and the lesson itself."""
    return " ".join([lesson.title, lesson.summary, lesson.recommendation])


def duplicate_candidates(user: User, lesson: Lesson) -> list[Lesson]:
    """Lessons this user may see that look like the same lesson, most alike first (at most 5).

    The search backend finds lessons sharing significant words with the new one's title,
    summary and lesson; of its best matches, those the likeness rule accepts are kept, those
    whose titles share most words first.
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
        .only(*LIKENESS_FIELDS, "status", "project__code", "project__name")
    )
    mine = Wording.of(lesson)
    alike = []
    for position, other in enumerate(ranked):
        found = likeness(mine, Wording.of(other))
        if found is not None:
            alike.append((-found.title_words, -len(found.shared), position, other))
    return [other for *_, other in sorted(alike, key=lambda row: row[:3])][:DUPLICATE_LIMIT]


def duplicate_snippets(lessons: list[Lesson], lesson: Lesson) -> dict[int, str]:
    """Highlighted snippets showing the words the candidates share with the new lesson."""
    # The words as the lesson writes them (the index stems them its own way), title first.
    words = list(Wording.of(lesson).whole.values())[:12]
    if not lessons or not words:
        return {}
    return search.snippets([other.pk for other in lessons], " or ".join(words))
