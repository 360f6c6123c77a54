"""Hand-written lessons used by ``seed_demo``: realistic text, varied by topic and project type.

Each part is a list of dicts with the lesson's text fields, its classification, the project
type it belongs to, and ``recurs``: the index, within the same part, of an earlier lesson
that it repeats (or None).
"""

from __future__ import annotations

from .part1 import LESSONS as _PART1
from .part2 import LESSONS as _PART2
from .part3 import LESSONS as _PART3
from .part4 import LESSONS as _PART4
from .part5 import LESSONS as _PART5

PARTS: list[list[dict]] = [_PART1, _PART2, _PART3, _PART4, _PART5]
