"""Lessons logs for the import tests: a register's header and rows, as CSV or XLSX bytes,
and a shortcut that reads and imports them."""

from __future__ import annotations

import codecs
import csv
import io

from openpyxl import Workbook

from lessons.transfer.columns import ImportOptions, suggest_mapping
from lessons.transfer.reading import read_table
from lessons.transfer.writing import run_import

HEADER = [
    "Ref",
    "Lesson title",
    "Project",
    "Phase",
    "Date logged",
    "Type",
    "Category",
    "Priority",
    "Keywords",
    "What happened",
    "Root cause",
    "Recommendation",
]
SMALL_HEADER = ["Title", "Project", "Lesson"]  # the least a log may have


def rows_for(project: str = "PRJ-A", count: int = 3, start: int = 1) -> list[list[str]]:
    return [
        [
            f"L-{n:03d}",
            f"Supplier onboarding step {n} was late",
            project,
            "Planning",
            "12/03/2025",
            "Went wrong",
            "Procurement",
            "High",
            "supplier, onboarding",
            f"Onboarding of supplier {n} took six weeks.",
            "No owner for the vendor forms.",
            f"Name an owner for supplier forms in week one ({n}).",
        ]
        for n in range(start, start + count)
    ]


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (codecs.BOM_UTF8 + data) if bom else data


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def options_for(table, **kwargs) -> ImportOptions:
    return ImportOptions(mapping=suggest_mapping(table.headers), filename="log.csv", **kwargs)


def import_bytes(data: bytes, user=None, *, dry_run: bool = False, **kwargs):
    table = read_table(data, "log.csv")
    return run_import(table, options_for(table, **kwargs), user, dry_run=dry_run)
