"""Importing lessons logs: any common encoding and delimiter, XLSX, columns matched by their
headers, row-by-row problems, all or nothing, no duplicates on a second import, and the
curators' page and the command around it."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook
from taggit.models import Tag

from lessons import search
from lessons.models import Category, Lesson
from lessons.transfer import reading, uploads
from lessons.transfer.columns import ImportOptions, suggest_mapping
from lessons.transfer.reading import ImportFileError, read_table
from lessons.transfer.rows import parse_date
from lessons.transfer.writing import run_import
from projects.models import Phase, Project
from tests.factories import CategoryFactory, LessonFactory, PhaseFactory

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
    return ImportOptions(
        mapping=suggest_mapping(table.headers), filename="log.csv", **kwargs
    )


def import_bytes(data: bytes, user=None, *, dry_run: bool = False, **kwargs):
    table = read_table(data, "log.csv")
    return run_import(table, options_for(table, **kwargs), user, dry_run=dry_run)


@pytest.fixture(autouse=True)
def private_upload_folder(settings, tmp_path):
    """Uploads of these tests wait in the test's own folder, removed with it."""
    settings.HINDSIGHT_IMPORT_DIR = str(tmp_path)


@pytest.fixture
def setting(project_a):
    """Project A with a Planning phase; categories come from the data migration."""
    PhaseFactory(project=project_a, name="Planning", order=2)
    Tag.objects.create(name="supplier", slug="supplier")
    Tag.objects.create(name="onboarding", slug="onboarding")
    return project_a


# -- reading files ------------------------------------------------------------------------------


ACCENTED = [["Café déjà vu à Zürich", "PRJ-A", "Négocier tôt — über alles, ½ façade"]]
SMALL_HEADER = ["Title", "Project", "Lesson"]


@pytest.mark.parametrize(
    ("label", "data", "encoding_seen"),
    [
        ("UTF-8", csv_bytes(ACCENTED, SMALL_HEADER), "UTF-8"),
        ("UTF-8 with BOM", csv_bytes(ACCENTED, SMALL_HEADER, bom=True), "UTF-8 (with BOM)"),
        ("cp1252", csv_bytes(ACCENTED, SMALL_HEADER, encoding="cp1252"), "cp1252"),
        (
            "latin-1",
            csv_bytes([["Naïve façade", "PRJ-A", "Año"]], SMALL_HEADER, encoding="latin-1"),
            "cp1252",
        ),
        ("UTF-16 with BOM", csv_bytes(ACCENTED, SMALL_HEADER, encoding="utf-16"), "UTF-16"),
        (
            "UTF-16 LE without BOM",
            csv_bytes(ACCENTED, SMALL_HEADER, encoding="utf-16-le"),
            "UTF-16",
        ),
    ],
)
def test_csv_in_any_common_encoding_reads_its_accents(label, data, encoding_seen):
    table = read_table(data, "log.csv")
    assert table.headers == SMALL_HEADER, label
    assert table.encoding == encoding_seen, label
    if label == "latin-1":
        assert table.rows == [["Naïve façade", "PRJ-A", "Año"]]
    else:
        assert table.rows == ACCENTED, label


@pytest.mark.parametrize(
    ("delimiter", "name"),
    [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "vertical bar")],
)
def test_csv_with_any_common_delimiter(delimiter, name):
    rows = [["Estimates, again", "PRJ-A", "Add 20% contingency; always, really"]] * 3
    table = read_table(csv_bytes(rows, SMALL_HEADER, delimiter=delimiter), "log.csv")
    assert table.delimiter == delimiter
    assert table.headers == SMALL_HEADER
    assert table.rows[0] == rows[0]
    assert name in table.description


def test_a_chosen_encoding_is_used_and_a_wrong_one_is_explained():
    data = csv_bytes(ACCENTED, SMALL_HEADER, encoding="cp1252")
    assert read_table(data, "log.csv", encoding="cp1252").rows == ACCENTED
    with pytest.raises(ImportFileError, match="not valid utf-8"):
        read_table(data, "log.csv", encoding="utf-8")


def test_xlsx_first_sheet_or_a_chosen_one_with_a_title_line_above_the_header():
    data = xlsx_bytes(
        {
            "Log": [
                ["Project X lessons log"],
                [],
                SMALL_HEADER,
                ["From the log", "PRJ-A", "Do it"],
            ],
            "Other": [SMALL_HEADER, ["From the other sheet", "PRJ-A", "Do that"]],
        }
    )
    table = read_table(data, "log.xlsx")
    assert (table.file_type, table.sheet, table.sheets) == ("xlsx", "Log", ["Log", "Other"])
    assert table.headers == SMALL_HEADER
    assert table.rows == [["From the log", "PRJ-A", "Do it"]]
    assert table.first_row_number == 4
    other = read_table(data, "log.xlsx", sheet="Other")
    assert other.rows == [["From the other sheet", "PRJ-A", "Do that"]]
    with pytest.raises(ImportFileError, match="no sheet called"):
        read_table(data, "log.xlsx", sheet="Missing")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (bytes(range(128, 256)) * 20, "could not work out how this file's text is encoded"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4, "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old-style Excel"),
        (b"PK\x03\x04" + b"not really a zip" * 20, "damaged"),
        (b"%PDF-1.7\n%binary", "PDF"),
        (b"Title,Project,Lesson\r\n", "header row but no lessons"),
        (b"Title,Project,Lesson\r\n,,\r\n\r\n", "header row but no lessons"),
    ],
    ids=[
        "empty",
        "blank",
        "garbage",
        "binary",
        "xls",
        "corrupt-zip",
        "pdf",
        "header-only",
        "header-and-blank",
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(data, "upload.csv")


def test_a_zip_that_is_no_workbook_and_a_damaged_workbook_are_refused():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportFileError, match="ZIP archive"):
        read_table(out.getvalue(), "x.xlsx")
    good = xlsx_bytes({"Log": [SMALL_HEADER, ["a", "b", "c"]]})
    broken = good[:200] + b"\x00" * 50 + good[250:]
    with pytest.raises(ImportFileError):
        read_table(broken, "x.xlsx")


def test_size_and_row_limits(monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ImportFileError, match="the limit is"):
        read_table(b"Title,Lesson\n" + b"x,y\n" * 400, "big.csv")
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 10 * 1024 * 1024)
    monkeypatch.setattr(reading, "MAX_ROWS", 10)
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        read_table(b"Title,Lesson\n" + b"x,y\n" * 11, "long.csv")


# -- matching headers ------------------------------------------------------------------------


def test_prince2_and_register_headers_are_matched_to_fields():
    headers = [
        "Ref.",
        "Lesson Title",
        "PROJECT",
        "Stage",
        "Date Logged",
        "Lesson type",
        "Category",
        "Priority",
        "Likelihood",
        "Key words",
        "Event / What happened",
        "Root cause",
        "Lesson learned",
        "Early warning indicators",
        "Logged by",
        "Status",
        "Visibility",
    ]
    assert suggest_mapping(headers) == [
        "external_id",
        "title",
        "project",
        "phase",
        "occurred_on",
        "kind",
        "category",
        "impact",
        "likelihood",
        "tags",
        "context",
        "root_cause",
        "recommendation",
        "early_warning",
        None,
        None,
        "visibility",
    ]


def test_lesson_is_the_lesson_beside_a_title_and_the_title_beside_a_recommendation():
    assert suggest_mapping(["Title", "Lesson"]) == ["title", "recommendation"]
    assert suggest_mapping(["Lesson", "Recommendation"]) == ["title", "recommendation"]
    assert suggest_mapping(["Description", "Lessons learnt", "ID"]) == [
        "context",
        "recommendation",
        "external_id",
    ]


def test_a_hindsight_export_maps_onto_itself():
    from lessons.transfer.exports import COLUMN_KEYS

    mapping = dict(zip(COLUMN_KEYS, suggest_mapping(COLUMN_KEYS), strict=True))
    assert mapping["title"] == "title" and mapping["lesson"] == "recommendation"
    assert mapping["what_happened"] == "context" and mapping["reference"] == "external_id"
    assert mapping["occurred_on"] == "occurred_on" and mapping["tags"] == "tags"
    assert mapping["status"] is None and mapping["submitted_by"] is None


# -- checking rows ------------------------------------------------------------------------------


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
    rows[1][1] = "x" * 201  # row 3: too long
    rows[2][4] = "next Tuesday"  # row 4: not a date
    rows[3][4] = (dt.date.today() + dt.timedelta(days=30)).isoformat()  # row 5: future
    rows[4][5] = "Meh"  # row 6: unknown kind
    rows[5][7] = "Astronomical"  # row 7: unknown impact
    rows[6][11] = ""  # row 8: no lesson
    report = import_bytes(csv_bytes(rows), curator, dry_run=True)
    found = {(p.row, p.column): p.message for p in report.problems}
    assert found.keys() == {
        (2, "Lesson title"),
        (3, "Lesson title"),
        (4, "Date logged"),
        (5, "Date logged"),
        (6, "Type"),
        (7, "Priority"),
        (8, "Recommendation"),
    }
    assert "empty" in found[(2, "Lesson title")]
    assert "too long" in found[(3, "Lesson title")] and "at most 200" in found[(3, "Lesson title")]
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


# -- no duplicates -----------------------------------------------------------------------------


def test_importing_the_same_file_again_creates_nothing(setting, curator):
    data = csv_bytes(rows_for(count=5))
    assert len(import_bytes(data, curator).created_ids) == 5
    again = import_bytes(data, curator)
    assert again.ok and again.created_ids == [] and again.skipped == 5
    assert all("already there, skipped" in row.note for row in again.rows)
    assert Lesson.objects.count() == 5
    # The same lessons without references are recognised by their content.
    unreferenced = [row[1:] for row in rows_for(count=5)]
    again = import_bytes(csv_bytes(unreferenced, HEADER[1:]), curator)
    assert again.skipped == 5 and Lesson.objects.count() == 5


def test_a_longer_version_of_a_file_adds_only_the_new_rows(setting, curator):
    import_bytes(csv_bytes(rows_for(count=3)), curator)
    report = import_bytes(csv_bytes(rows_for(count=5)), curator)
    assert (len(report.created_ids), report.skipped) == (2, 3)
    assert Lesson.objects.count() == 5


def test_the_same_reference_twice_in_a_file_is_an_error_and_the_same_lesson_is_skipped(
    setting, curator
):
    rows = rows_for(count=2)
    rows[1][0] = rows[0][0]  # a second, different lesson with the first one's reference
    report = import_bytes(csv_bytes(rows), curator, dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(3, "Ref")]
    assert "already used by row 2" in report.problems[0].message
    same = [row[1:] for row in rows_for(count=1)] * 2
    report = import_bytes(csv_bytes(same, HEADER[1:]), curator)
    assert report.ok and len(report.created_ids) == 1 and report.skipped == 1
    assert report.rows[1].note == "the same lesson as row 2"


def test_references_are_unique_per_project_not_across_projects(setting, project_b, curator):
    PhaseFactory(project=project_b, name="Planning", order=2)
    rows = rows_for(count=1) + rows_for(project="PRJ-B", count=1)
    report = import_bytes(csv_bytes(rows), curator)
    assert report.ok and len(report.created_ids) == 2
    assert Lesson.objects.filter(external_id="L-001").count() == 2


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


# -- the page ---------------------------------------------------------------------------------


def upload(client, data: bytes, name: str = "log.csv", **extra):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post("/lessons/import/", {"file": handle, **extra}, **extra.pop("headers", {}))


def mapping_post(response, **fields):
    """The mapping form's current values (as the page shows them), with changes."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data = {k: v for k, v in data.items() if v not in (False, None)}
    data.update(fields)
    return data


@pytest.mark.parametrize("persona", ["reader", "contributor"])
def test_only_curators_may_import(db, client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/lessons/import/").status_code == 403
    assert upload(client, csv_bytes(rows_for())).status_code == 403
    assert client.get("/lessons/import/abcdefghijklmnopqrstuvwx/").status_code == 403


def test_a_curator_uploads_checks_and_imports_a_log(client, setting, curator):
    client.force_login(curator)
    assert client.get("/lessons/import/").status_code == 200
    response = upload(client, csv_bytes(rows_for(count=3)))
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["column_1"].value() == "title" and form["column_11"].value() == "recommendation"

    checked = client.post(mapping_url, mapping_post(page, action="check"))
    report = checked.context["report"]
    assert report.dry_run and report.ok and report.to_create == 3
    assert "Import 3 lessons" in checked.content.decode()
    assert not Lesson.objects.exists()

    done = client.post(mapping_url, mapping_post(page, action="import"), follow=True)
    assert done.redirect_chain[-1][0] == "/lessons/import/done/"
    assert done.context["summary"]["created"] == 3
    assert Lesson.objects.filter(status="submitted").count() == 3
    # The upload is gone once imported.
    assert client.get(mapping_url).status_code == 302


def test_the_page_shows_row_problems_and_imports_nothing(client, setting, curator):
    client.force_login(curator)
    rows = rows_for(count=2)
    rows[1][4] = "someday"
    mapping_url = upload(client, csv_bytes(rows))["Location"]
    page = client.get(mapping_url)
    response = client.post(mapping_url, mapping_post(page, action="import"))
    assert response.status_code == 200
    report = response.context["report"]
    assert not report.ok and report.problems[0].row == 3
    html = response.content.decode()
    assert "Nothing was imported" in html and "someday" in html
    assert not Lesson.objects.exists()


def test_the_curator_may_change_a_columns_field(client, setting, curator):
    client.force_login(curator)
    mapping_url = upload(client, csv_bytes(rows_for(count=1)))["Location"]
    page = client.get(mapping_url)
    # Ignore the category column, and read "What happened" as the summary instead.
    changes = {"column_6": "", "column_9": "summary", "action": "import"}
    client.post(mapping_url, mapping_post(page, **changes))
    lesson = Lesson.objects.get()
    assert (
        lesson.category is None and lesson.summary.startswith("Onboarding") and not lesson.context
    )
    # Two columns for one field is refused with a message.
    mapping_url = upload(client, csv_bytes(rows_for(count=1, start=5)))["Location"]
    page = client.get(mapping_url)
    response = client.post(mapping_url, mapping_post(page, column_0="title", action="check"))
    assert "Title is chosen for 2 columns" in response.content.decode()


def test_a_wrong_file_is_explained_on_the_upload_page(client, curator):
    client.force_login(curator)
    response = upload(client, b"\x00\x01\x02binary\x00\xff" * 100, name="photo.csv")
    assert response.status_code == 200
    assert "binary file" in response.content.decode()
    response = upload(client, b"", name="empty.csv")
    assert response.status_code == 200 and response.context["form"].errors


def test_an_upload_over_the_limit_is_stopped_while_it_arrives(client, curator, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 2048)
    client.force_login(curator)
    response = upload(client, csv_bytes(rows_for(count=40)))
    assert response.status_code == 200
    assert "the limit" in str(response.context["form"].errors["file"])


def test_the_upload_form_is_protected_against_cross_site_posts(setting, curator):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(curator)
    assert upload(browser, csv_bytes(rows_for())).status_code == 403
    page = browser.get("/lessons/import/")
    token = page.context["csrf_token"]
    handle = io.BytesIO(csv_bytes(rows_for()))
    handle.name = "log.csv"
    response = browser.post("/lessons/import/", {"file": handle, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_an_upload_is_only_reachable_from_the_session_that_made_it(client, setting, curator):
    client.force_login(curator)
    mapping_url = upload(client, csv_bytes(rows_for()))["Location"]
    token = mapping_url.rstrip("/").rsplit("/", 1)[1]
    assert uploads.upload_path(token).is_file()
    client.logout()
    from tests.factories import UserFactory

    other = UserFactory(username="other-curator", role="Curator")
    client.force_login(other)
    response = client.get(mapping_url)
    assert response.status_code == 302 and response["Location"] == "/lessons/import/"
    for bad in ("../../etc/passwd", "short", "a" * 100):
        with pytest.raises(FileNotFoundError):
            uploads.upload_path(bad)


def test_the_upload_script_gets_the_next_address_as_json(client, setting, curator):
    client.force_login(curator)
    handle = io.BytesIO(csv_bytes(rows_for()))
    handle.name = "log.csv"
    response = client.post(
        "/lessons/import/", {"file": handle}, headers={"X-Requested-With": "XMLHttpRequest"}
    )
    assert response.status_code == 200
    assert response.json()["location"].startswith("/lessons/import/")


def test_an_xlsx_with_several_sheets_offers_them(client, setting, curator):
    client.force_login(curator)
    data = xlsx_bytes(
        {
            "Notes": [["Nothing", "here"], ["at", "all"]],
            "Lessons": [SMALL_HEADER, ["From the second sheet", "PRJ-A", "Keep going"]],
        }
    )
    mapping_url = upload(client, data, name="log.xlsx")["Location"]
    page = client.get(mapping_url, {"sheet": "Lessons"})
    assert page.context["table"].sheet == "Lessons"
    assert "From the second sheet" in page.content.decode()
    client.post(mapping_url, mapping_post(page, action="import", sheet="Lessons"))
    assert Lesson.objects.get().title == "From the second sheet"


# -- the command --------------------------------------------------------------------------------


def test_the_command_checks_imports_and_reports(tmp_path: Path, setting, curator):
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes(rows_for(count=2), delimiter=";", encoding="cp1252"))
    out = io.StringIO()
    call_command("import_lessons", str(path), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "semicolon" in text and "Lesson title -> Title" in text
    assert "Dry run: 2 lessons would be imported as submitted" in text
    assert not Lesson.objects.exists()

    out = io.StringIO()
    call_command("import_lessons", str(path), "--publish", "--user", curator.username, stdout=out)
    assert "Imported 2 lessons as published" in out.getvalue()
    assert Lesson.objects.filter(status="published", reviewed_by=curator).count() == 2

    out = io.StringIO()
    call_command("import_lessons", str(path), stdout=out)
    assert "Imported 0 lessons" in out.getvalue() and "2 already there" in out.getvalue()


def test_the_command_fails_with_the_problems_listed(tmp_path: Path, setting):
    rows = rows_for(count=2)
    rows[0][6] = "Nonexistent"
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 problems"):
        call_command("import_lessons", str(path), stdout=out)
    assert "row 2, Category: unknown category “Nonexistent”" in out.getvalue()
    out = io.StringIO()
    call_command("import_lessons", str(path), "--create-missing", stdout=out)
    assert "created categories: Nonexistent" in out.getvalue()
    assert Lesson.objects.count() == 2


def test_the_command_uses_a_default_project_and_refuses_unknown_files(tmp_path: Path, setting):
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes([["A title", "A lesson"]], ["Title", "Lesson learned"]))
    call_command("import_lessons", str(path), "--project", "prj-a", stdout=io.StringIO())
    assert Lesson.objects.get().project == setting
    with pytest.raises(CommandError, match="No project"):
        call_command("import_lessons", str(path), "--project", "NOPE", stdout=io.StringIO())
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01" * 50 + bytes(range(256)))
    with pytest.raises(CommandError, match="binary"):
        call_command("import_lessons", str(junk), stdout=io.StringIO())


def test_an_export_imports_elsewhere_without_duplicates(client, setting, curator, project_b):
    LessonFactory(title="Exported once", project=setting, tags=["supplier"])
    client.force_login(curator)
    exported = b"".join(client.get("/lessons/export.csv").streaming_content)
    Lesson.objects.all().delete()
    first = import_bytes(exported, curator)
    assert first.ok and len(first.created_ids) == 1
    again = import_bytes(exported, curator)
    assert again.skipped == 1 and Lesson.objects.count() == 1
