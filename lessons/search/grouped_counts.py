"""Counting one set of rows by several groupings in one statement.

The search's facet counts and the figures of /insights/ both count the lessons a viewer may
see by several columns at once. The rows are computed once, into a materialised common table
``base`` of narrow rows, so the access rule, the filters and any full-text match run once and
not once per grouping. Every grouping is then a GROUP BY over that table: all of them in one
pass of GROUPING SETS on PostgreSQL, and on SQLite, which has no grouping sets, a UNION ALL of
one GROUP BY per grouping over the same table.

Either way the statement returns one row per group of every grouping::

    (grouping name, its key values as text padded with NULL to the widest grouping, *aggregates)

A key value is NULL where the grouped rows have none: callers decide what that means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.models import QuerySet

# A grouping's name, and the columns of ``base`` that make its key. Names and columns are
# formatted into the SQL (they are the code's own constants, checked to be plain names).
Groupings = Mapping[str, Sequence[str]]
COUNT = "COUNT(*)"
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def base_table(rows: QuerySet, columns: Sequence[str]) -> tuple[str, list]:
    """``base (columns) AS MATERIALIZED (...)``, for a WITH clause, and its parameters.

    ``columns`` are fields or annotations of ``rows``; they name the table's columns too.
    """
    _check_names(columns)
    sql, params = rows.order_by().values_list(*columns).query.sql_with_params()
    return f"base ({', '.join(columns)}) AS MATERIALIZED ({sql})", list(params)


def grouped_counts_sql(groupings: Groupings, aggregates: Sequence[str] = (COUNT,)) -> str:
    """One SELECT over ``base`` giving the rows described above, for every grouping.

    ``aggregates`` are SQL expressions over each group's rows (the code's own, never input).
    """
    if not groupings:
        raise ValueError("Nothing to count: no grouping.")
    _check_names([*groupings, *(column for keys in groupings.values() for column in keys)])
    if len({frozenset(keys) for keys in groupings.values()}) < len(groupings):
        raise ValueError("Two groupings by the same columns cannot be told apart.")
    width = max(len(keys) for keys in groupings.values())
    if connection.vendor == "postgresql":
        return _grouping_sets(groupings, aggregates, width)
    return _group_bys(groupings, aggregates, width)


def _check_names(names: Sequence[str]) -> None:
    for name in names:
        if not _PLAIN_NAME.match(name):
            raise ValueError(f"Not a plain column or grouping name: {name!r}")


def _key_values(keys: Sequence[str], width: int) -> list[str]:
    return [f"CAST({key} AS TEXT)" for key in keys] + ["NULL"] * (width - len(keys))


def _group_bys(groupings: Groupings, aggregates: Sequence[str], width: int) -> str:
    """A GROUP BY per grouping, one after the other (SQLite)."""
    branches = []
    for name, keys in groupings.items():
        group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
        selected = ", ".join([f"'{name}'", *_key_values(keys, width), *aggregates])
        branches.append(f"SELECT {selected} FROM base{group_by}")
    return " UNION ALL ".join(branches)


def _grouping_sets(groupings: Groupings, aggregates: Sequence[str], width: int) -> str:
    """Every grouping in one pass (PostgreSQL); ``GROUPING()`` tells which one a row is of."""
    sets = ", ".join(f"({', '.join(keys)})" for keys in groupings.values())
    if len(groupings) == 1:
        ((name, keys),) = groupings.items()
        selected = [f"'{name}'", *_key_values(keys, width)]
    else:
        selected = _grouping_choices(groupings, width)
    return f"SELECT {', '.join([*selected, *aggregates])} FROM base GROUP BY GROUPING SETS ({sets})"


def _grouping_choices(groupings: Groupings, width: int) -> list[str]:
    """The name and key columns of a row, chosen by the bits of ``GROUPING(every column)``:
    a bit is set for each column the row's grouping does not group by."""
    grouped = list(dict.fromkeys(column for keys in groupings.values() for column in keys))
    if len(grouped) > 31:  # the most GROUPING() takes
        raise ValueError("At most 31 columns can be grouped by in one statement.")
    masks = {
        name: sum(1 << (len(grouped) - 1 - i) for i, c in enumerate(grouped) if c not in keys)
        for name, keys in groupings.items()
    }
    grouping = f"GROUPING({', '.join(grouped)})"

    def case(choices: list[tuple[int, str]]) -> str:
        return f"CASE {grouping} {' '.join(f'WHEN {m} THEN {v}' for m, v in choices)} END"

    names = case([(masks[name], f"'{name}'") for name in groupings])
    keyed = groupings.items()
    values = [
        case([(masks[name], f"CAST({keys[i]} AS TEXT)") for name, keys in keyed if len(keys) > i])
        for i in range(width)
    ]
    return [names, *values]
