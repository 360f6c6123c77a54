"""Web-search query syntax: words, "exact phrase", -excluded, ``or``."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from lessons.text import STOP_WORDS, WORD

HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass
class ParsedQuery:
    """A web-search query broken into its parts.

    ``groups`` is a list of alternatives joined by OR; each alternative is a list of
    required terms, and each term a list of words (one word, or a phrase).
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
            words = WORD.findall(bare.lstrip("-") if negated else bare)
        else:
            words = WORD.findall(phrase or "")
        # Read as typed, then lower-cased: apostrophes at a word's ends are quote marks here.
        words = [w.lower().strip("'") for w in words if w.strip("'")]
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


def _escape_with_highlights(text: str) -> str:
    """HTML-escape text from the index, then turn the highlight markers into <mark>."""
    escaped = html.escape(text.replace("\n", " "))
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")
