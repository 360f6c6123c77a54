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


# -- real-shaped logs: NASA LLIS records and a PRINCE2 lessons log -----------------------------

GSDOP = "Ground Systems Development and Operations Program"
MPCV = "Multi-Purpose Crew Vehicle (MPCV)"
DEBRIS = "Goddard Space Debris Observation Project"  # its initials are GSDOP's too
# The columns of an LLIS record as NASA exports them, and one more a curator added.
LLIS_HEADER = [
    "Lesson ID",
    "Subject",
    "Abstract",
    "Driving Event",
    "Lesson(s) Learned",
    "Recommendation(s)",
    "Evidence of Recurrence Control Effectiveness",
    "Program/Project Phase",
    "Topic(s)",
    "Mission Directorate",
    "Submitting Organization",
    "Project / Program",
    "Date Lesson Occurred",
    "Point of Contact",  # filled, and no lesson field means it
]


def llis_rows() -> list[list[str]]:
    """Four LLIS records: two of one long-named program, one each of two others."""
    records = [
        (24801, GSDOP, "Umbilical release", "Jun 12, 2019"),
        (24802, MPCV, "Heat shield bond voids", "Mar 3, 2020"),
        (24803, GSDOP, "Crawler bearing wear", "Nov 20, 2018"),
        (24804, DEBRIS, "Tracking catalogue gaps", "Aug 1, 2021"),
    ]
    return [
        [
            str(lesson_id),
            subject,
            f"{subject} found late in the flow.",
            f"During integrated testing, {subject.lower()} was found two weeks before rollout.",
            f"Learned: inspect {subject.lower()} at every stacking milestone.",
            f"Recommend: add {subject.lower()} to the pre-rollout checklist.",
            "The checklist change caught a repeat in 2022.",
            "Operations",
            "Ground Operations; Safety & Mission Assurance",
            "Exploration Systems Development",
            "KSC",
            program,
            occurred,
            "J. Doe, KSC-NE",
        ]
        for lesson_id, program, subject, occurred in records
    ]


# A PRINCE2 lessons log's columns (the Lessons Log product description), as a register keeps
# them.
PRINCE2_HEADER = [
    "Lesson ID/Reference",
    "Date logged",
    "Logged by",
    "Lesson type",
    "Title/Description",
    "Category",
    "Event",
    "Effect",
    "Cause/trigger",
    "Early warning indicators",
    "Recommendations",
    "Priority",
    "Status",
]


def prince2_rows(count: int = 2) -> list[list[str]]:
    return [
        [
            f"LL-{n:02d}",
            f"0{n}/02/2025",
            "Pat Manager",
            ["Positive", "Negative"][n % 2],
            f"Stage gate {n} slipped",
            "Procurement",
            f"The stage {n} gate review was held a week late.",
            "The supplier started late.",
            "Nobody owned the gate date.",
            "Gate papers not circulated a week ahead.",
            f"Name an owner for gate {n}'s date at stage start.",
            "High",
            "Closed",
        ]
        for n in range(1, count + 1)
    ]
