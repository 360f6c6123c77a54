"""Web-search query syntax: words, "exact phrase", -excluded, ``or``; and hyphenated words.

A hyphenated word ("Wi-Fi", "e-mail", "sign-off") is one word of a query. It stands for its
parts as a phrase ("wi fi") or for its joined form ("wifi"), and each backend indexes the
joined form of every hyphenated word of a lesson beside its parts (``compounds``), so
"wifi", "wi-fi" and "Wi-Fi" find each other.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from dataclasses import dataclass, field

from lessons.text import STOP_WORDS

HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')

# Hyphen-minus, hyphen and non-breaking hyphen.
HYPHENS = "-\u2010\u2011"
_HYPHEN = re.compile(f"[{HYPHENS}]")
# A word of a query ("don't" is one word), or several joined by hyphens ("wi-fi").
_QUERY_WORD = re.compile(rf"[\w']+(?:[{HYPHENS}][\w']+)*")
# A hyphenated word of a lesson: letters and digits joined by hyphens. Migration 0012 defines
# the same pattern for PostgreSQL (hindsight_tsvector); the two must find the same words. (The
# look-behind only spares trying again from inside a word: PostgreSQL finds the same.)
COMPOUND = re.compile(rf"(?<![^\W_])[^\W_]+(?:[{HYPHENS}][^\W_]+)+")

# A term standing for more phrases than this (several hyphenated words in one phrase) is read
# with all of them in parts, or all joined.
MAX_VARIANTS = 16
# A joined word of a query at least this long is highlighted where a lesson writes it with a
# hyphen ("wifi" in "Wi-Fi").
MIN_SPLIT_LENGTH = 4


@dataclass
class ParsedQuery:
    """A web-search query broken into its parts.

    ``groups`` is a list of alternatives joined by OR; each alternative is a list of
    required terms, and each term a list of words (one word, or a phrase). A word may be
    hyphenated ("wi-fi"); ``term_variants`` gives the phrases a term stands for.
    """

    groups: list[list[list[str]]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    @property
    def has_positive_terms(self) -> bool:
        return any(self.groups)


def parse_query(raw: str) -> ParsedQuery:
    """Parse web-search syntax; anything unexpected is read as plain words."""
    parsed = ParsedQuery()
    current: list[list[str]] = []
    pending_or = False
    for match in _TOKEN.finditer(raw or ""):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() == "or":
                pending_or = bool(current)
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            words = _QUERY_WORD.findall(bare.lstrip("-") if negated else bare)
        else:
            words = _QUERY_WORD.findall(phrase or "")
        words = [word for word in map(_normalised, words) if word]
        if bare is not None:
            words = [w for w in words if w not in STOP_WORDS]
        if not words:
            continue
        if negated:
            parsed.excluded.append(words)
            continue
        if pending_or and current:
            parsed.groups.append(current)
            current = []
        pending_or = False
        current.append(words)
    if current:
        parsed.groups.append(current)
    return parsed


def _normalised(word: str) -> str:
    """Lower-cased, apostrophes at the ends of each part dropped (they are quote marks
    here), parts of a hyphenated word joined by "-"."""
    parts = (part.strip("'") for part in _HYPHEN.split(word.lower()))
    return "-".join(part for part in parts if part)


def compounds(text: str | None) -> str:
    """The hyphenated words of ``text`` written as one word: "Wi-Fi and e-mail" gives
    "WiFi email". The index holds them beside the text, so "wifi" finds "Wi-Fi"."""
    if not text or not any(hyphen in text for hyphen in HYPHENS):
        return ""  # no hyphen at all (most texts): nothing to look for
    return " ".join(_HYPHEN.sub("", word) for word in COMPOUND.findall(text))


def _forms(word: str, first: bool, last: bool) -> list[list[str]]:
    """The ways a word of a term may be written: a hyphenated word as its parts, or joined.

    Parts that are stop words at the ends of the term are left out, as PostgreSQL leaves
    them out of a phrase: "sign-off" is "sign" or "signoff" on both backends.
    """
    if "-" not in word:
        return [[word]]
    parts = word.split("-")
    joined = ["".join(parts)]
    while first and parts and parts[0] in STOP_WORDS:
        parts = parts[1:]
    while last and parts and parts[-1] in STOP_WORDS:
        parts = parts[:-1]
    return [parts, joined] if parts else [joined]


def _splits(word: str) -> list[list[str]]:
    """A joined word cut in two, where neither half is a stop word ("wifi": "wi fi")."""
    if len(word) < MIN_SPLIT_LENGTH or not word.isalnum():
        return []
    halves = ([word[:cut], word[cut:]] for cut in range(1, len(word)))
    return [pair for pair in halves if not STOP_WORDS.intersection(pair)]


def term_variants(term: list[str], highlight: bool = False) -> list[list[str]]:
    """The phrases a term of a query stands for, any one of which matches it.

    A term without a hyphenated word is itself. "wi-fi" is ``[["wi-fi"], ["wi", "fi"],
    ["wifi"]]``: as typed, in parts, joined. The term as typed matters in a phrase on
    PostgreSQL, which indexes a hyphenated word whole before its parts ("old wi-fi router");
    SQLite reads it as its parts. With ``highlight`` (for snippets, never for matching), a
    joined word alone also stands for its halves, so that a search for "wifi" marks the
    "Wi-Fi" of a lesson.
    """
    last = len(term) - 1
    options = [_forms(word, i == 0, i == last) for i, word in enumerate(term)]
    if math.prod(len(forms) for forms in options) <= MAX_VARIANTS:
        combinations = list(itertools.product(*options))
    else:  # a phrase of many hyphenated words: all of them in parts, or all joined
        combinations = [[forms[0] for forms in options], [forms[-1] for forms in options]]
    variants = [term]
    variants += [[word for form in combination for word in form] for combination in combinations]
    if highlight and len(term) == 1 and "-" not in term[0]:
        variants += _splits(term[0])
    return [list(variant) for variant in dict.fromkeys(map(tuple, variants)) if variant]


def _escape_with_highlights(text: str) -> str:
    """HTML-escape text from the index, then turn the highlight markers into <mark>."""
    escaped = html.escape(text.replace("\n", " "))
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")
