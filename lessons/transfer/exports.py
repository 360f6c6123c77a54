"""Lessons out of Hindsight: one search as CSV, XLSX or JSON, and the pieces the backup shares.

Every export is a search of ``/lessons/``: the same ``LessonFilterSet`` over
``Lesson.objects.visible_to(user)``, the same lessons in the same order as the pages
(relevance order comes from the search backend exactly as the page asks it). The ids are
found first, in one statement; the lessons are then read a chunk at a time, so an export
runs a fixed number of queries per thousand lessons and holds one chunk in memory.

Spreadsheet cells are neutralised against formula injection: text that starts with
``= + - @`` (or a tab or carriage return) gets a leading apostrophe, and in XLSX every text
is written as a string cell, never a formula. An anonymous lesson's submitter is never
written (``Lesson.shows_submitter``).

The backup (lessons/transfer/backup.py) reads its tables with ``in_pk_chunks`` and writes its
values with ``json_value``, as the JSON export does.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.db.models import Model, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lessons import search
from lessons.models import Lesson
from lessons.search.filters import Sort

if TYPE_CHECKING:
    from lessons.search.filters import LessonFilterSet

CHUNK_SIZE = 1000
# Excel refuses longer cells; CSV and JSON keep the whole text.
XLSX_CELL_LIMIT = 32_767
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# (key, spreadsheet column width): the columns of every export, in order. The keys are the
# CSV/XLSX headers and the JSON field names; the import (lessons/transfer/columns.py)
# recognises them, so an export can be imported elsewhere. The first 22 are the CSV export's
# original columns, in their original places; later ones are added at the end.
COLUMNS: list[tuple[str, int]] = [
    ("id", 8),
    ("title", 50),
    ("summary", 50),
    ("lesson", 50),
    ("kind", 12),
    ("category", 16),
    ("impact", 10),
    ("likelihood", 10),
    ("project", 14),
    ("project_type", 18),
    ("department", 18),
    ("phase", 16),
    ("tags", 30),
    ("status", 11),
    ("visibility", 20),
    ("occurred_on", 12),
    ("published_at", 12),
    ("rating_avg", 10),
    ("rating_count", 10),
    ("view_count", 10),
    ("submitted_by", 20),
    ("url", 40),
    ("what_happened", 50),
    ("root_cause", 40),
    ("early_warning", 30),
    ("reference", 12),
]
COLUMN_KEYS = [key for key, _ in COLUMNS]
# Choice fields: codes in JSON, their labels in spreadsheets (as people read them on pages).
CHOICES = {
    "kind": Lesson.Kind,
    "impact": Lesson.Impact,
    "likelihood": Lesson.Likelihood,
    "status": Lesson.Status,
    "visibility": Lesson.Visibility,
}


# -- which lessons, in which order ------------------------------------------------------------


def ordered_ids(filterset: LessonFilterSet) -> list[int]:
    """The ids of the search's lessons in the order ``/lessons/`` shows them.

    Relevance order is asked of the search backend with the same call the page's
    ``RankedResults`` makes, so a broad search on PostgreSQL (title matches ranked first)
    comes out exactly as the pages list it.
    """
    results = filterset.qs
    if filterset.text and filterset.sort_order == Sort.RELEVANCE:
        total = results.count()
        parsed = search.parse_query(filterset.text)
        return search.backend().ranked_ids(results, parsed, 0, total, total)
    return list(results.values_list("id", flat=True))


def lessons_in_order(
    ids: list[int], queryset: QuerySet | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[Lesson]:
    """The lessons of ``ids`` in that order, read ``chunk_size`` at a time (two queries each).

    ``queryset`` (the visible lessons the ids were found in) is applied again to each chunk,
    so a lesson hidden while a long export runs is left out rather than written.
    """
    base = Lesson.objects.all() if queryset is None else queryset
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        by_id = {
            lesson.pk: lesson
            for lesson in base.filter(pk__in=chunk)
            .select_related(
                "project__project_type",
                "project__department",
                "phase",
                "category",
                "submitted_by",
            )
            .defer("search_vector")
            .with_tag_list()
        }
        yield from (by_id[pk] for pk in chunk if pk in by_id)


def in_pk_chunks(queryset: QuerySet, chunk_size: int = CHUNK_SIZE) -> Iterator[Model]:
    """Every row of ``queryset`` in primary-key order, a chunk per query (keyset paging).

    Unlike ``iterator()``, prefetches on ``queryset`` apply to each chunk.
    """
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:chunk_size])
        if not rows:
            return
        yield from rows
        last = rows[-1].pk


# -- one lesson as values --------------------------------------------------------------------


def lesson_record(lesson: Lesson, site: str) -> dict[str, Any]:
    """One lesson as typed values keyed by column: codes, a list of tags, dates and numbers.

    ``lesson`` comes from ``lessons_in_order`` (related rows and ``tag_list`` loaded).
    """
    project = lesson.project
    return {
        "id": lesson.pk,
        "reference": lesson.external_id or "",
        "title": lesson.title,
        "summary": lesson.summary,
        "what_happened": lesson.context,
        "root_cause": lesson.root_cause,
        "lesson": lesson.recommendation,
        "early_warning": lesson.early_warning,
        "kind": lesson.kind,
        "category": lesson.category.name if lesson.category_id else "",
        "impact": lesson.impact,
        "likelihood": lesson.likelihood,
        "project": project.code,
        "project_type": project.project_type.name,
        "department": project.department.name,
        "phase": lesson.phase.name if lesson.phase_id else "",
        "tags": sorted(tag.name for tag in lesson.tag_list),
        "status": lesson.status,
        "visibility": lesson.visibility,
        "occurred_on": lesson.occurred_on,
        "published_at": lesson.published_at,
        "rating_avg": round(lesson.rating_avg, 2) if lesson.rating_count else None,
        "rating_count": lesson.rating_count,
        "view_count": lesson.view_count,
        # Never the author of an anonymous lesson.
        "submitted_by": lesson.submitted_by.display_name if lesson.shows_submitter else "",
        "url": site + lesson.get_absolute_url(),
    }


def spreadsheet_values(record: dict[str, Any]) -> list[Any]:
    """A record as a spreadsheet row: labels for codes, tags joined, publication as a date."""
    values = []
    for key in COLUMN_KEYS:
        value = record[key]
        if key in CHOICES and value:
            value = CHOICES[key](value).label
        elif key == "tags":
            value = ", ".join(value)
        elif key == "published_at" and value is not None:
            value = value.date()
        values.append(value)
    return values


def neutralise(text: str) -> str:
    """Text a spreadsheet will not run: a leading apostrophe before = + - @ tab CR."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return neutralise(str(value))


def json_value(value: Any) -> Any:
    """A Python value as JSON: ISO dates and times, decimals as strings (exact)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# -- the three formats -------------------------------------------------------------------------


class _Echo:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMN_KEYS)
    for record in records:
        yield writer.writerow(csv_cell(value) for value in spreadsheet_values(record))


def json_chunks(records: Iterable[dict[str, Any]], count: int) -> Iterator[str]:
    """``{"count": n, "lessons": [...]}``, written a lesson at a time."""
    yield f'{{"count": {count}, "lessons": ['
    for position, record in enumerate(records):
        body = json.dumps({k: json_value(record[k]) for k in COLUMN_KEYS}, ensure_ascii=False)
        yield ("\n" if position == 0 else ",\n") + body
    yield "\n]}\n"


def _xlsx_cell(sheet, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))[:XLSX_CELL_LIMIT]
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # a string cell whatever it looks like: never a formula
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def write_xlsx(records: Iterable[dict[str, Any]]) -> IO[bytes]:
    """An XLSX workbook of the records in an anonymous temporary file, rewound.

    openpyxl's write-only mode streams the rows to disk as they come, so a large export
    never holds the whole sheet in memory. The file disappears when it is closed.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Lessons")
    for position, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for key in COLUMN_KEYS:
        cell = WriteOnlyCell(sheet, value=key)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for record in records:
        sheet.append([_xlsx_cell(sheet, value) for value in spreadsheet_values(record)])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    workbook.save(output)
    output.seek(0)
    return output
