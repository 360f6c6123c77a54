"""The shapes several figures share: a share in percent, a top N, and a heat map."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

TOP_SIZE = 10  # how many a ranking lists
HEAT_LEVELS = 5  # shades heat-1..heat-5; heat-0 is an empty cell


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, to one decimal; ``None`` when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


def top(
    counts: dict[Any, int], limit: int, tie_break: Callable[[list[Any]], dict[Any, Any]]
) -> list[tuple[Any, int]]:
    """The ``limit`` largest counts, ties broken by ``tie_break(keys)`` (a sort key per key),
    which is asked only about the keys that can make the cut."""
    if not counts:
        return []
    cut = sorted(counts.values(), reverse=True)[:limit][-1]
    contenders = [key for key, count in counts.items() if count >= cut]
    order = tie_break(contenders)
    return sorted(
        ((key, counts[key]) for key in contenders), key=lambda kv: (-kv[1], order[kv[0]])
    )[:limit]


def nones_last(pair: tuple[str | None, str | None]) -> tuple[bool, str]:
    """A sort key for (slug, name) pairs: by name, the pair without a slug last."""
    return (pair[0] is None, pair[1] or "")


def _level(count: int, highest: int) -> int:
    """The shade of a cell: 0 when empty, else 1..HEAT_LEVELS by its share of the highest."""
    if not count or not highest:
        return 0
    return max(1, -(-count * HEAT_LEVELS // highest))  # ceiling division


def matrix(
    rows: Iterable[tuple[Hashable, str]],
    columns: Iterable[tuple[Hashable, str]],
    counts: dict[tuple[Any, Any], int],
    url: Callable[[Any, Any], str | None] | None,
) -> dict[str, Any]:
    """A heat map: ``rows`` and ``columns`` as (key, label), ``counts`` by (row, column);
    a cell with a count links to ``url(row, column)``."""
    columns = list(columns)
    highest = max(counts.values(), default=0)
    return {
        "columns": [label for _, label in columns],
        "rows": [
            {
                "label": row_label,
                "total": sum(counts.get((row, column), 0) for column, _ in columns),
                "cells": [
                    {
                        "column": column_label,
                        "count": counts.get((row, column), 0),
                        "level": _level(counts.get((row, column), 0), highest),
                        "url": url(row, column) if counts.get((row, column)) else None,
                    }
                    for column, column_label in columns
                ],
            }
            for row, row_label in rows
        ],
        "total": sum(counts.values()),
    }
