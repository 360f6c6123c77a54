"""Codes for the projects an import creates, from the names a lessons log gives them.

A name that can be a code (up to 32 letters, digits, dots, hyphens and underscores, like
"ERP-2025") is the new project's code, as it is. Any other name ("Ground Systems
Development and Operations Program") stays the project's name, and the project gets a
short, readable code: the acronym the name ends with in brackets ("Multi-Purpose Crew
Vehicle (MPCV)": MPCV), a short name in capitals ("Orion Ops": ORION-OPS), or the initials
of its words, small words aside (GSDOP). A code already taken, by a project in Hindsight
or another new one of the same file, gets "-2", "-3" and so on. A project created this way
is found by its name when the file is imported again, so it is never created twice.
"""

from __future__ import annotations

import re
import unicodedata

from projects.models import Project

CODE_LENGTH = Project._meta.get_field("code").max_length
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
ACRONYM = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9-]{1,11})\s*\)\s*$")
SHORT_NAME = 16  # a name this long or shorter, in capitals, is readable as a code
SMALL_WORDS = frozenset(
    {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to"}
)
FALLBACK = "PROJECT"


def is_code(name: str) -> bool:
    """Whether a name can be a project's code as it is."""
    return len(name) <= CODE_LENGTH and CODE.fullmatch(name) is not None


def readable_code(name: str) -> str:
    """A short code made from a project's name (not yet checked against other codes)."""
    acronym = ACRONYM.search(name)
    if acronym and any(char.isalpha() for char in acronym.group(1)):
        return acronym.group(1).upper()
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", plain)
    capitals = "-".join(words).upper()
    if len(capitals) <= SHORT_NAME:
        return capitals or FALLBACK
    initials = "".join(
        word if word.isdigit() else word[0] for word in words if word.casefold() not in SMALL_WORDS
    ).upper()
    if len(initials) >= 2:
        return initials[:CODE_LENGTH]
    return capitals[:CODE_LENGTH].rstrip("-")


def unique_code(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... (within the length of a code), whichever
    ``taken`` (lower-case codes) does not hold yet; it is added to ``taken``."""
    code, number = base, 2
    while code.casefold() in taken:
        suffix = f"-{number}"
        code = base[: CODE_LENGTH - len(suffix)] + suffix
        number += 1
    taken.add(code.casefold())
    return code


def new_project_codes(names: list[str], taken: set[str]) -> dict[str, str]:
    """A code for each name of a new project, by lower-case name, unique against ``taken``
    (the lower-case codes in Hindsight, extended with the new ones) and each other.

    Names that can be codes keep them and are served first; the others get readable codes
    in the order of the file.
    """
    codes = {}
    for name in names:
        if is_code(name):
            codes[name.casefold()] = unique_code(name, taken)
    for name in names:
        if not is_code(name):
            codes[name.casefold()] = unique_code(readable_code(name), taken)
    return codes
