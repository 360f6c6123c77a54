"""Counting lessons by several groupings in one statement (``grouped_counts``), which the
search's facets and the figures of /insights/ share: the same counts as counting the rows
one by one, on SQLite (GROUP BYs) and PostgreSQL (GROUPING SETS) alike."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.db.models import QuerySet

from lessons.models import Lesson
from lessons.search.grouped_counts import COUNT, base_table, grouped_counts_sql
from tests.factories import LessonFactory, PhaseFactory, ProjectFactory

COLUMNS = ["id", "kind", "impact", "phase_id"]


def grouped_rows(rows: QuerySet, groupings, aggregates=(COUNT,)) -> list[tuple]:
    base, params = base_table(rows, COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {base} {grouped_counts_sql(groupings, aggregates)}", params)
        return cursor.fetchall()


@pytest.fixture
def lessons(db) -> QuerySet[Lesson]:
    """Six lessons: three kinds, two impacts, and a phase on some of them only."""
    project = ProjectFactory()
    planning = PhaseFactory(project=project, name="Planning")
    wrong, well = Lesson.Kind.WENT_WRONG, Lesson.Kind.WENT_WELL
    high, low = Lesson.Impact.HIGH, Lesson.Impact.LOW
    for kind, impact, phase in [
        (wrong, high, planning),
        (wrong, high, None),
        (wrong, low, planning),
        (well, low, None),
        (well, low, None),
        (Lesson.Kind.IMPROVEMENT, high, planning),
    ]:
        LessonFactory(project=project, kind=kind, impact=impact, phase=phase)
    return Lesson.objects.all()


def one_by_one(rows: QuerySet, keys: tuple[str, ...]) -> Counter:
    """The reference: each row's key counted in Python, values as text as in SQL."""
    counted = Counter()
    for values in rows.values_list(*keys) if keys else [()] * rows.count():
        counted[tuple(None if v is None else str(v) for v in values)] += 1
    return counted


def test_every_grouping_counts_as_the_rows_one_by_one(lessons):
    groupings = {
        "total": (),
        "kind": ("kind",),
        "kind_impact": ("kind", "impact"),
        "phase": ("phase_id",),
    }
    counted: dict[str, Counter] = {name: Counter() for name in groupings}
    for name, first, second, count in grouped_rows(lessons, groupings):
        counted[name][(first, second)[: len(groupings[name])]] = count
    for name, keys in groupings.items():
        assert counted[name] == one_by_one(lessons, keys), name
    # Lessons without a value are a group of their own, keyed None: the caller decides.
    assert counted["phase"][(None,)] == 3


def test_each_group_has_every_aggregate(lessons):
    rows = grouped_rows(
        lessons.filter(kind="went_wrong"), {"impact": ("impact",)}, ("COUNT(*)", "MAX(id)")
    )
    newest = {
        impact: max(lessons.filter(kind="went_wrong", impact=impact).values_list("id", flat=True))
        for impact in ("high", "low")
    }
    assert sorted(rows) == [
        ("impact", "high", 2, newest["high"]),
        ("impact", "low", 1, newest["low"]),
    ]


def test_nothing_to_count_is_no_rows_but_the_total(lessons):
    rows = grouped_rows(lessons.filter(kind="none such"), {"kind": ("kind",), "total": ()})
    assert rows == [("total", None, 0)]


@pytest.mark.parametrize(
    "groupings",
    [
        {},  # nothing to count
        {"kind": ("kind",), "also_kind": ("kind",)},  # rows could not be told apart
        {"kind; DROP TABLE x": ("kind",)},  # names are formatted into the SQL
        {"kind": ("kind) --",)},
    ],
)
def test_groupings_that_cannot_be_counted_are_refused(db, groupings):
    with pytest.raises(ValueError):
        grouped_counts_sql(groupings)


def test_columns_of_the_rows_must_be_plain_names(db):
    with pytest.raises(ValueError):
        base_table(Lesson.objects.all(), ["id", "kind AS x"])
