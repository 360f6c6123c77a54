"""The words of a lesson: one tokeniser, one stop-word list, one stem, and the one rule for
"these two lessons look like the same lesson".

Search (query parsing, "did you mean", related lessons), the author's duplicate check before
submitting and the curators' possible duplicates all read text through this module, so they
agree on what a word is. The likeness rule at the bottom is the only definition of a
duplicate: each surface gathers its own candidates (among lessons its user may see) and
keeps those this rule accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lessons.models import Lesson

# A word: letters, digits, underscores and apostrophes ("don't" is one word).
WORD = re.compile(r"[\w']+")

# PostgreSQL's English stop words: dropped from bare words of a search on both backends, so a
# query means the same everywhere (SQLite's porter tokenizer would otherwise match them), and
# never counted as significant.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only other our
    ours ourselves out over own s same she should so some such t than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with you your yours yourself
    yourselves""".split()  # noqa: SIM905 - a word list reads best as text
)

# Shorter words ("team", "plan" count; "day", "new" do not) rarely tell two lessons apart.
MIN_SIGNIFICANT_LENGTH = 4


def words(text: str | None) -> list[str]:
    """The words of ``text``, lower-cased, in order, repeats included."""
    return WORD.findall((text or "").lower())


def is_significant(word: str) -> bool:
    """A lower-case word that carries meaning: long enough, and not a stop word."""
    return len(word) >= MIN_SIGNIFICANT_LENGTH and word not in STOP_WORDS


def significant_words(text: str | None) -> list[str]:
    """The significant words of ``text``, each once, in the order they first appear."""
    return [word for word in dict.fromkeys(words(text)) if is_significant(word)]


# -- stems ------------------------------------------------------------------------------------

# Endings taken off a word (at most one, the first that fits), when at least MIN_STEM letters
# remain: "rehearsal" and "rehearsing" become "rehears", "management" becomes "manage".
_SUFFIXES = ("ment", "ing", "ion", "ed", "al")
MIN_STEM = 4


def stem(word: str) -> str:
    """A light English stem of a lower-case word: "changes", "changed" and "change" are one
    word here, and so are "rehearse", "rehearsals" and "rehearsing".

    Only good enough to tell that two texts use the same words; search does not use it (each
    database stems its own index).
    """
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 4:
        word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
            # "planned", "planning": the doubled consonant goes too ("install" keeps its l's).
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def stems(text: str | None) -> dict[str, str]:
    """The stems of the significant words of ``text``, each with the first word that had it
    (so a stem can be shown as the text wrote it)."""
    found: dict[str, str] = {}
    for word in significant_words(text):
        found.setdefault(stem(word), word)
    return found


# -- do two lessons look like the same lesson? ------------------------------------------------

# Two lessons look alike when their titles share most of their words (at least two, and at
# least 60% of the shorter title's: "Supplier invoices were paid late" is not "Supplier test
# environment arrived late"), or when their texts (title, summary and the lesson itself) share
# at least four words and two in five of the words of the one with fewer, one of them in both
# titles: generic advice ("agree it early, write it down") shared by lessons about different
# things does not make them alike. Two in five, not half: two people telling the same story
# (a recurrence, a lesson recorded twice) share about that many of their words.
MIN_SHARED_TITLE_WORDS = 2
MIN_SHARED_TITLE_SHARE = 0.6
MIN_SHARED_WORDS = 4
MIN_SHARED_SHARE = 0.4

# The fields the rule reads: a lesson loaded for it must have them.
LIKENESS_FIELDS = ("title", "summary", "recommendation")


@dataclass(frozen=True)
class Wording:
    """The stems of a lesson's title, and of its title, summary and lesson together."""

    title: dict[str, str]
    whole: dict[str, str]

    @classmethod
    def of(cls, lesson: Lesson) -> Wording:
        return cls(
            title=stems(lesson.title),
            whole=stems(" ".join([lesson.title, lesson.summary, lesson.recommendation])),
        )


@dataclass(frozen=True)
class Likeness:
    """How two lessons that look alike are alike."""

    title_words: int  # significant words both titles use
    shared: list[str]  # significant words both texts use, as the first lesson writes them
    overlap: float  # shared words / the significant words of the lesson with fewer


def _share(count: int, mine: dict, theirs: dict) -> float:
    return count / (min(len(mine), len(theirs)) or 1)


def likeness(mine: Wording, theirs: Wording) -> Likeness | None:
    """How ``mine`` and ``theirs`` are alike when they look like the same lesson, else None.

    The rule is symmetric: whichever lesson is "mine", two lessons look alike or not.
    """
    in_title = mine.title.keys() & theirs.title.keys()
    shared = mine.whole.keys() & theirs.whole.keys()
    overlap = _share(len(shared), mine.whole, theirs.whole)
    titles_alike = (
        len(in_title) >= MIN_SHARED_TITLE_WORDS
        and _share(len(in_title), mine.title, theirs.title) >= MIN_SHARED_TITLE_SHARE
    )
    texts_alike = bool(in_title) and len(shared) >= MIN_SHARED_WORDS and overlap >= MIN_SHARED_SHARE
    if not (titles_alike or texts_alike):
        return None
    written = [word for key, word in mine.whole.items() if key in shared]
    return Likeness(title_words=len(in_title), shared=written, overlap=overlap)
