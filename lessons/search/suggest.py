"""Did you mean: corrections drawn only from words every signed-in user may see."""

from __future__ import annotations

import difflib

from django.core.cache import cache

from lessons.text import words

SUGGESTION_VOCABULARY_KEY = "lessons:search:vocabulary"


SUGGESTION_VOCABULARY_SECONDS = 300


def _public_vocabulary() -> set[str]:
    """Words of titles and tags of lessons every signed-in user can see.

    Suggestions come only from here, so "did you mean" never reveals a word that appears
    only in a lesson the user may not see.
    """
    vocabulary = cache.get(SUGGESTION_VOCABULARY_KEY)
    if vocabulary is None:
        from lessons.models import Lesson

        public = Lesson.objects.filter(
            status=Lesson.Status.PUBLISHED, visibility=Lesson.Visibility.ORGANISATION
        )
        vocabulary = set()
        for title in public.values_list("title", flat=True).iterator(chunk_size=5000):
            vocabulary.update(w for w in words(title) if len(w) > 2)
        for name in public.values_list("tags__name", flat=True).distinct():
            if name:
                vocabulary.update(words(name))
        cache.set(SUGGESTION_VOCABULARY_KEY, vocabulary, SUGGESTION_VOCABULARY_SECONDS)
    return vocabulary


def suggest(raw_query: str) -> str | None:
    """A corrected query ("did you mean"), or None when no word looks misspelt."""
    vocabulary = _public_vocabulary()
    if not vocabulary:
        return None
    changed = False
    corrected = []
    for token in (raw_query or "").split():
        word = token.lower().strip("\"'-")
        if len(word) < 3 or word in vocabulary or word == "or":
            corrected.append(token)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75)
        if close:
            corrected.append(token.lower().replace(word, close[0]))
            changed = True
        else:
            corrected.append(token)
    return " ".join(corrected) if changed else None
