"""The demo's hand-written data, kept as JSON files that ship with the package.

``organisation.json`` holds the departments, project types, people and projects (typed by
``demo.data``). ``lessons-1.json`` to ``lessons-5.json`` hold realistic lessons, varied by
topic and project type: each file has an ``about`` line and a list of ``lessons``, each a dict
with the lesson's text fields, its classification, its phase, the project type it belongs
to, its tags, and ``recurs``: the index, within the same file, of an earlier lesson that it
repeats (or null).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

# In this order: ``seed_demo`` draws its random choices lesson by lesson, file by file.
LESSON_FILES = tuple(f"lessons-{number}.json" for number in range(1, 6))


def read(name: str) -> Any:
    """The parsed content of one JSON file of this package."""
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


@cache
def lesson_parts() -> tuple[list[dict[str, Any]], ...]:
    """The hand-written lessons, one list per file; ``recurs`` indexes into the same list."""
    return tuple(read(name)["lessons"] for name in LESSON_FILES)
