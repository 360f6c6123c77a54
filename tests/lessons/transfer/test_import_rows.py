"""Checking and importing rows: values, dates and names read from each row, problems
named by row and column, all or nothing, missing names created on request, and ten
thousand rows in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from lessons import search
from lessons.models import Category, Lesson
from lessons.transfer.reading import read_table
from lessons.transfer.rows import parse_date
from lessons.transfer.writing import run_import
from projects.models import Phase, Project
from tests.factories import CategoryFactory
from tests.lessons.transfer.logs import (
    SMALL_HEADER,
    csv_bytes,
    import_bytes,
    options_for,
    rows_for,
    xlsx_bytes,
)


def test_a_good_file_imports_as_submitted_with_its_history_and_no_author(setting, curator):
    report = import_bytes(csv_bytes(rows_for()), curator)
    assert report.ok and len(report.created_ids) == 3
    lesson = Lesson.objects.get(external_id="L-001")
    assert lesson.project == setting and lesson.phase.name == "Planning"
    assert lesson.occurred_on == dt.date(2025, 3, 12)
    assert (lesson.kind, lesson.impact, lesson.category.slug) == (
        "went_wrong",
        "high",
        "procurement",
    )
    assert sorted(lesson.tags.names()) == ["onboarding", "supplier"]
    assert lesson.context.startswith("Onboarding of supplier 1")
    assert lesson.status == "submitted" and lesson.published_at is None
    assert lesson.submitted_by is None and not lesson.is_anonymous
    assert lesson.visibility == "organisation" and lesson.import_fingerprint
    (record,) = lesson.history.all()
    assert record.history_change_reason == "Imported from log.csv"
    assert record.history_user == curator and record.history_type == "+"


def test_publish_makes_them_published_with_the_importer_as_reviewer(setting, curator):
    report = import_bytes(csv_bytes(rows_for()), curator, publish=True)
    assert report.ok
    lesson = Lesson.objects.get(external_id="L-002")
    assert lesson.status == "published" and lesson.published_at is not None
    assert lesson.reviewed_by == curator and lesson.review_due > dt.date.today()


def test_imported_lessons_are_found_by_search_including_their_tags(setting, curator):
    rows = rows_for(count=1)
    rows[0][1] = "Zanzibarian cutover rehearsal"
    rows[0][8] = "supplier, quokkaology"
    report = import_bytes(csv_bytes(rows), curator, create_missing=True)
    assert report.ok
    (pk,) = report.created_ids
    for word in ("zanzibarian", "quokkaology", "supplier"):
        assert list(search.matching(Lesson.objects.all(), word).values_list("pk", flat=True)) == [
            pk
        ]


def test_dry_run_checks_everything_and_writes_nothing(setting, curator):
    before = (Lesson.objects.count(), Category.objects.count(), Tag.objects.count())
    rows = rows_for()
    rows[1][6] = "Brand new category"
    rows[2][8] = "brand-new-tag"
    report = import_bytes(csv_bytes(rows), curator, dry_run=True, create_missing=True)
    assert report.ok and report.dry_run and report.to_create == 3 and not report.created_ids
    assert report.created == {"categories": ["Brand new category"], "tags": ["brand-new-tag"]}
    assert (Lesson.objects.count(), Category.objects.count(), Tag.objects.count()) == before
    assert not Lesson.history.exists()


def test_one_bad_row_and_nothing_is_imported(setting, curator):
    rows = rows_for(count=4)
    rows[2][4] = "31/02/2025"
    report = import_bytes(csv_bytes(rows), curator)
    assert not report.ok and not report.created_ids
    assert [(p.row, p.column) for p in report.problems] == [(4, "Date logged")]
    assert "is not a date" in report.problems[0].message
    assert (report.to_create, report.with_errors) == (3, 1)
    assert not Lesson.objects.exists()


def test_problems_name_the_row_the_column_and_what_is_wrong(setting, curator):
    rows = rows_for(count=7)
    rows[0][1] = ""  # row 2: no title
    rows[1][1] = "x " * 101  # row 3: longer than a title: shortened, and noted (not a problem)
    rows[2][4] = "next Tuesday"  # row 4: not a date
    rows[3][4] = (dt.date.today() + dt.timedelta(days=30)).isoformat()  # row 5: future
    rows[4][5] = "Meh"  # row 6: unknown kind
    rows[5][7] = "Astronomical"  # row 7: unknown impact
    rows[6][11] = ""  # row 8: no lesson
    report = import_bytes(csv_bytes(rows), curator, dry_run=True)
    found = {(p.row, p.column): p.message for p in report.problems}
    assert found.keys() == {
        (2, "Lesson title"),
        (4, "Date logged"),
        (5, "Date logged"),
        (6, "Type"),
        (7, "Priority"),
        (8, "Recommendation"),
    }
    assert "empty" in found[(2, "Lesson title")]
    assert [(note.row, note.column) for note in report.notes] == [(3, "Lesson title")]
    assert "in the future" in found[(5, "Date logged")]
    assert "went well, went wrong or improvement" in found[(6, "Type")]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-03-12", dt.date(2025, 3, 12)),
        ("12/03/2025", dt.date(2025, 3, 12)),
        ("03/31/2025", dt.date(2025, 3, 31)),  # only month-first makes sense
        ("12.03.2025", dt.date(2025, 3, 12)),
        ("12 March 2025", dt.date(2025, 3, 12)),
        ("Mar 12, 2025", dt.date(2025, 3, 12)),
        ("12-Mar-25", dt.date(2025, 3, 12)),
        ("2025-03-12 14:30:00", dt.date(2025, 3, 12)),
        (45728, dt.date(2025, 3, 12)),  # an Excel day number
        (dt.datetime(2025, 3, 12, 9, 0), dt.date(2025, 3, 12)),
    ],
)
def test_dates_in_common_formats(text, day):
    assert parse_date(text) == day


def test_a_file_without_a_title_column_is_refused_before_any_row(setting, curator):
    data = csv_bytes([["PRJ-A", "Do it"]], ["Project", "Recommendation"])
    report = import_bytes(data, curator, dry_run=True)
    assert not report.ok and report.problems[0].row == 0
    assert "title" in report.problems[0].message.lower()


def test_unknown_category_is_an_error_unless_missing_ones_are_created(setting, curator):
    rows = rows_for(count=2)
    rows[0][6] = "Vendor management"
    report = import_bytes(csv_bytes(rows), curator)
    assert not report.ok and report.missing == {"categories": ["Vendor management"]}
    assert "unknown category “Vendor management”" in report.problems[0].message
    assert not Category.objects.filter(name="Vendor management").exists()

    report = import_bytes(csv_bytes(rows), curator, create_missing=True)
    assert report.ok and report.created == {"categories": ["Vendor management"]}
    category = Category.objects.get(name="Vendor management")
    assert category.slug == "vendor-management"
    assert Lesson.objects.get(external_id="L-001").category == category


def test_unknown_tags_and_phases_are_reported_and_created_on_request(
    setting, curator, administrator
):
    rows = rows_for(count=1)
    rows[0][3] = "Hypercare"
    rows[0][8] = "supplier, Cutover Weekend"
    report = import_bytes(csv_bytes(rows), curator, dry_run=True)
    assert report.missing == {"phases": ["Hypercare (PRJ-A)"], "tags": ["Cutover Weekend"]}
    # A project's phases are its manager's (or an administrator's) to add.
    report = import_bytes(csv_bytes(rows), curator, dry_run=True, create_missing=True)
    assert report.missing == {"phases": ["Hypercare (PRJ-A)"]}
    assert "only its manager or an administrator" in report.problems[0].message
    report = import_bytes(csv_bytes(rows), administrator, create_missing=True)
    assert report.ok
    lesson = Lesson.objects.get()
    assert lesson.phase.name == "Hypercare" and lesson.phase.project == setting
    assert sorted(lesson.tags.names()) == ["Cutover Weekend", "supplier"]


def test_unknown_projects_are_created_only_for_those_who_may_create_projects(
    setting, curator, administrator
):
    rows = rows_for(project="NEW-2026", count=1)
    report = import_bytes(csv_bytes(rows), curator, create_missing=True)
    assert not report.ok and "only administrators can create projects" in report.problems[0].message
    assert not Project.objects.filter(code="NEW-2026").exists()
    report = import_bytes(csv_bytes(rows), administrator, create_missing=True)
    assert report.ok and report.created["projects"] == ["NEW-2026"]
    project = Project.objects.get(code="NEW-2026")
    assert Lesson.objects.get().phase == Phase.objects.get(project=project, name="Planning")


def test_a_project_is_found_by_code_or_name_and_a_default_fills_empty_cells(setting, curator):
    rows = rows_for(count=3)
    rows[0][2] = "project a"  # its name, in other case
    rows[1][2] = "prj-a"  # its code, in other case
    rows[2][2] = ""  # the file's default
    report = import_bytes(csv_bytes(rows), curator, default_project=setting)
    assert report.ok and Lesson.objects.filter(project=setting).count() == 3


def test_formulas_in_cells_are_imported_as_text(setting, curator):
    rows = rows_for(count=1)
    rows[0][1] = '=HYPERLINK("http://evil.example","Click")'
    rows[0][11] = "+1+cmd|' /C calc'!A0"
    report = import_bytes(csv_bytes(rows), curator)
    assert report.ok
    lesson = Lesson.objects.get()
    assert lesson.title == '=HYPERLINK("http://evil.example","Click")'
    assert lesson.recommendation == "+1+cmd|' /C calc'!A0"

    data = xlsx_bytes({"Log": [SMALL_HEADER, ["=1+1", "PRJ-A", "=SUM(A1:A3)"]]})
    table = read_table(data, "log.xlsx")
    report = run_import(table, options_for(table), curator, dry_run=False)
    assert report.ok
    assert Lesson.objects.get(title="=1+1").recommendation == "=SUM(A1:A3)"


def test_an_xlsx_log_with_typed_cells_imports(setting, curator):
    header = ["Title", "Project", "Date", "Lesson", "Reference"]
    data = xlsx_bytes(
        {"Lessons": [header, ["Typed date", "PRJ-A", dt.datetime(2024, 5, 6), "Keep it", 17]]}
    )
    table = read_table(data, "log.xlsx")
    report = run_import(table, options_for(table), curator, dry_run=False)
    assert report.ok
    lesson = Lesson.objects.get()
    assert lesson.occurred_on == dt.date(2024, 5, 6) and lesson.external_id == "17"


# -- large files -------------------------------------------------------------------------------


def test_ten_thousand_rows_import_with_a_bounded_number_of_queries(setting, curator):
    CategoryFactory(name="Procurement", slug="procurement")
    rows = [
        [
            f"R-{n:05d}",
            f"Lesson {n} about supplier wave {n % 50}",
            "PRJ-A",
            "Planning",
            f"{1 + n % 28:02d}/{1 + n % 12:02d}/2024",
            ["Went well", "Went wrong", "Improvement"][n % 3],
            "Procurement",
            ["Low", "Medium", "High", "Critical"][n % 4],
            f"supplier, wave-{n % 50}",
            f"What happened in case {n}.",
            "Because.",
            f"Do the right thing number {n}.",
        ]
        for n in range(10_000)
    ]
    data = csv_bytes(rows)
    table = read_table(data, "big.csv")
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        report = run_import(table, options_for(table, create_missing=True), curator, dry_run=False)
    elapsed = time.monotonic() - started
    print(f"\n10,000 rows imported in {elapsed:.1f} s with {len(queries)} queries")
    assert report.ok and len(report.created_ids) == 10_000
    assert Lesson.objects.count() == 10_000
    assert Lesson.history.count() == 10_000
    assert Lesson.objects.filter(tags__name="wave-7").count() == 200
    assert search.matching(Lesson.objects.all(), "supplier").count() == 10_000
    # Batches, never a query per row: lessons and their history rows are inserted 500 at a
    # time on PostgreSQL (about 130 queries in all), but SQLite takes at most 999 values per
    # statement, so about 29 lessons per INSERT there (about 830 queries in all).
    assert len(queries) < (900 if connection.vendor == "sqlite" else 200)


def test_a_long_project_name_becomes_a_project_with_its_name_and_a_readable_code(
    setting, administrator
):
    long_name = "Ground Systems Development and Operations Program"
    rows = rows_for(project=long_name, count=2) + rows_for(project="gsdop", count=1, start=3)
    report = import_bytes(csv_bytes(rows), administrator, dry_run=True, create_missing=True)
    # "gsdop" can be a code: it keeps it, and the long name's initials get the next one.
    assert report.ok and report.created["projects"] == ["gsdop", f"GSDOP-2: {long_name}"]
    report = import_bytes(csv_bytes(rows), administrator, create_missing=True)
    assert report.ok
    project = Project.objects.get(name=long_name)
    assert project.code == "GSDOP-2" and project.lessons.count() == 2
    assert Lesson.objects.get(external_id="L-001").phase.project == project
    again = import_bytes(csv_bytes(rows), administrator, create_missing=True)
    assert again.ok and again.skipped == 3 and "projects" not in again.created
    assert Project.objects.filter(name=long_name).count() == 1
