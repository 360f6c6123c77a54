"""Reading lessons logs (any common encoding and delimiter, XLSX sheets, unreadable
files, size and row limits) and matching their columns to lesson fields by header."""

from __future__ import annotations

import io

import pytest

from lessons.transfer import reading
from lessons.transfer.columns import suggest_mapping
from lessons.transfer.reading import ImportFileError, read_table
from tests.lessons.transfer.logs import SMALL_HEADER, csv_bytes, xlsx_bytes

ACCENTED = [["Café déjà vu à Zürich", "PRJ-A", "Négocier tôt — über alles, ½ façade"]]


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
