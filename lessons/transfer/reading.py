"""Reading a lessons log: a CSV file (any common encoding and delimiter) or an XLSX workbook.

``read_table(data, filename)`` checks the file (size, type by content, encoding, delimiter,
sheet) and returns its header and rows as a ``Table``, or raises ``ImportFileError`` with a
message for the person.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import charset_normalizer
from django.utils.text import Truncator

MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB
MAX_ROWS = 10_000  # one request checks or imports them all: 5-15 s for 10,000 rows
MAX_COLUMNS = 200
# A workbook is a ZIP of XML: refuse one that would unpack to far more than it weighs.
MAX_XLSX_UNPACKED_BYTES = 250 * 1024 * 1024
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}

# The encodings a person may choose when detection guesses wrong ("" = detect).
ENCODING_CHOICES = [
    ("", "Detect automatically"),
    ("utf-8", "UTF-8"),
    ("cp1252", "Windows Western European (cp1252)"),
    ("latin-1", "ISO-8859-1 (Latin-1)"),
    ("utf-16", "UTF-16"),
    ("cp1250", "Windows Central European (cp1250)"),
    ("cp1251", "Windows Cyrillic (cp1251)"),
    ("mac_roman", "Mac OS Roman"),
]
# When detection finds several encodings that read the text equally well, the one people
# most often save spreadsheets in wins (charset-normalizer alone takes Western European
# text for Baltic or Central European about as often as not).
PREFERRED_ENCODINGS = ("utf_8", "cp1252", "cp1250", "cp1251", "iso8859_15", "mac_roman")
CHAOS_TOLERANCE = 0.1


class ImportFileError(ValueError):
    """The file cannot be read as a lessons log; the message says why, for the person."""


@dataclass
class Table:
    """A sheet of a lessons log: the header, the rows below it and how it was read."""

    headers: list[str]
    rows: list[list[Any]]
    first_row_number: int  # the spreadsheet row number of rows[0]
    file_type: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        if self.file_type == "xlsx":
            return f"Excel workbook, sheet “{self.sheet}”"
        return f"CSV, {self.encoding}, {DELIMITER_NAMES.get(self.delimiter, 'comma')}-separated"

    def samples(self, column: int, limit: int = 3) -> list[str]:
        """The first few non-empty values of a column, as text."""
        found = []
        for row in self.rows:
            value = cell_text(row[column]) if column < len(row) else ""
            if value:
                found.append(Truncator(value.replace("\n", " ")).chars(60))
                if len(found) == limit:
                    break
        return found

    def filled(self, column: int) -> int:
        """How many rows have something in a column."""
        return sum(1 for row in self.rows if column < len(row) and not is_blank(row[column]))


def read_table(
    data: bytes, filename: str = "", *, sheet: str | None = None, encoding: str | None = None
) -> Table:
    """Read a CSV or XLSX file's first (or chosen) sheet; ``ImportFileError`` if it cannot."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    kind = file_kind(data)
    if kind == "xlsx":
        return _read_xlsx(data, sheet)
    text, used = decode_text(data, encoding or None)
    return _read_csv(text, used)


def file_kind(data: bytes) -> str:
    """ "csv" or "xlsx", judged by the content (never the name); refuses other files."""
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ImportFileError(
                "The file looks like an Excel workbook but is damaged: open it in Excel or "
                "LibreOffice and save it again as .xlsx, or save it as CSV."
            ) from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if b"opendocument.spreadsheet" in mimetype:
            raise ImportFileError(
                "This is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV first."
            )
        raise ImportFileError("This is a ZIP archive, not an Excel workbook or a CSV file.")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            "This is an old-style Excel file (.xls): save it as .xlsx (Excel Workbook) or "
            "CSV first."
        )
    if data.startswith(b"%PDF"):
        raise ImportFileError("This is a PDF document: export the log as CSV or XLSX.")
    return "csv"


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte is zero, as in UTF-16 Latin text."""
    even = sample[0::2]
    odd = sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    A chosen encoding is used as is. Otherwise: a byte-order mark, UTF-16 without one,
    strict UTF-8, then charset-normalizer's guess (preferring the common Western
    encodings when several read the text equally well). Binary files and text that is
    not readable in any common encoding are refused.
    """
    if encoding:
        return _decode_as(data, encoding), encoding
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig", "UTF-8"), "UTF-8 (with BOM)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", "UTF-16"), "UTF-16"
    sample = data[:8192]
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16 is None:
            raise ImportFileError(
                "This looks like a binary file, not a CSV text file or an XLSX workbook."
            )
        return _strict(data, utf16, "UTF-16"), "UTF-16"
    try:
        return _readable(data.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        pass
    return _decode_detected(data)


def _decode_as(data: bytes, encoding: str) -> str:
    """The text in the encoding the person chose."""
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except LookupError:
        raise ImportFileError(f"Unknown encoding “{encoding}”.") from None
    except UnicodeDecodeError:
        raise ImportFileError(
            f"The file is not valid {encoding}: choose another encoding, or let Hindsight "
            "detect it."
        ) from None
    return _readable(text.removeprefix("\ufeff"))


def _decode_detected(data: bytes) -> tuple[str, str]:
    """The text in the encoding charset-normalizer finds, a common one among equals."""
    results = charset_normalizer.from_bytes(data)
    best = results.best()
    if best is None:
        raise ImportFileError(
            "Hindsight could not work out how this file's text is encoded: it may not be a "
            "text file. Save it from your spreadsheet as “CSV UTF-8”, or choose the encoding."
        )
    chosen = best.encoding
    close = {r.encoding for r in results if r.chaos <= best.chaos + CHAOS_TOLERANCE}
    for preferred in PREFERRED_ENCODINGS:
        if preferred in close:
            chosen = preferred
            break
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError:
        chosen, text = best.encoding, str(best)
    return _readable(text), codecs.lookup(chosen).name


def _strict(data: bytes, encoding: str, label: str) -> str:
    try:
        return _readable(data.decode(encoding).removeprefix("\ufeff"))
    except UnicodeDecodeError:
        raise ImportFileError(
            f"The file starts like {label} text but is not valid {label}: it may be damaged."
        ) from None


def _readable(text: str) -> str:
    """The text, unless it is mostly control characters (a binary file read as text)."""
    if not text.strip():
        raise ImportFileError("The file is empty.")
    sample = text[:20000]
    odd = sum(
        1
        for char in sample
        if char not in "\t\r\n" and unicodedata.category(char) in ("Cc", "Cf", "Co", "Cn", "Cs")
    )
    if odd > max(3, len(sample) // 100):
        raise ImportFileError(
            "This does not look like a text file: save the log from your spreadsheet as CSV "
            "or XLSX."
        )
    return text


def _csv_score(sample_lines: list[str], delimiter: str) -> tuple[bool, float, int]:
    """How well a delimiter splits a sample: (more than one column, consistency, columns)."""
    try:
        rows = [row for row in csv.reader(sample_lines, delimiter=delimiter) if any(row)]
    except csv.Error:
        return (False, 0.0, 0)
    if not rows:
        return (False, 0.0, 0)
    widths = Counter(len(row) for row in rows)
    width, times = widths.most_common(1)[0]
    return (width > 1, times / len(rows), width)


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that splits the first lines most consistently.

    ``csv.Sniffer`` proposes one; it is kept when it splits the sample as well as the best
    candidate, since the Sniffer is easily misled by commas inside sentences.
    """
    lines = text[:65536].splitlines(keepends=True)
    if len(lines) > 1 and not text[:65536].endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut short
    lines = lines[:200]
    scores = {d: _csv_score(lines, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: scores[d])
    try:
        sniffed = csv.Sniffer().sniff("".join(lines[:50]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in scores and scores[sniffed] >= scores[best]:
        return sniffed
    return best if scores[best][0] else ","


def _read_csv(text: str, encoding: str) -> Table:
    delimiter = sniff_delimiter(text)
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > MAX_ROWS + 20:
                break
    except csv.Error as error:
        raise ImportFileError(f"The CSV file is malformed: {error}.") from None
    return _table(rows, "csv", encoding=encoding, delimiter=delimiter)


def _read_xlsx(data: bytes, sheet: str | None) -> Table:
    import openpyxl  # here: only imports need it

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError("The workbook unpacks to far more data than an import takes.")
    try:
        # Formulas are read as the text of the formula, never calculated (data_only=False):
        # an imported cell holds what was typed in it.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for a damaged workbook
        raise ImportFileError(
            "The workbook could not be opened: it may be damaged or protected with a "
            "password. Open it in Excel or LibreOffice and save it again, or save it as CSV."
        ) from None
    try:
        names = list(workbook.sheetnames)
        if not names:
            raise ImportFileError("The workbook has no sheets.")
        chosen = sheet if sheet else names[0]
        if chosen not in names:
            raise ImportFileError(f"The workbook has no sheet called “{chosen}”.")
        worksheet = workbook[chosen]
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()  # some writers record a wrong sheet size
        rows = []
        for row in worksheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 20:
                break
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            "The workbook could not be read: it may be damaged. Open it in Excel or "
            "LibreOffice and save it again, or save it as CSV."
        ) from None
    finally:
        workbook.close()
    return _table(rows, "xlsx", sheet=chosen, sheets=names)


def _cell(value: Any) -> Any:
    """A cell as a plain value: text, a number, a date or a datetime, or None."""
    if value is None or isinstance(value, str | int | float | dt.date | dt.datetime):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(getattr(value, "text", value))  # array formulas and the like: their text


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(raw_rows: list[list[Any]], file_type: str, **how: Any) -> Table:
    rows = [[_cell(value) for value in row] for row in raw_rows]
    for row in rows:
        while row and is_blank(row[-1]):
            row.pop()
    # The header is the first row with two or more cells filled in (a log often starts with
    # a title line), or the first non-empty row.
    filled = [(index, sum(not is_blank(v) for v in row)) for index, row in enumerate(rows[:30])]
    candidates = [index for index, count in filled if count >= 2]
    non_empty = [index for index, count in filled if count >= 1]
    if not non_empty:
        raise ImportFileError("The file is empty.")
    header_index = candidates[0] if candidates else non_empty[0]
    body = rows[header_index + 1 :]
    while body and not body[-1]:
        body.pop()
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            f"The file has more than {MAX_ROWS:,} rows: the limit is {MAX_ROWS:,} lessons per "
            "import. Split it into smaller files."
        )
    if not any(body):
        raise ImportFileError(
            "The file has a header row but no lessons below it: there is nothing to import."
        )
    width = max(len(row) for row in [rows[header_index], *body])
    if width > MAX_COLUMNS:
        raise ImportFileError(f"The file has {width} columns; the limit is {MAX_COLUMNS}.")
    headers = []
    for position in range(width):
        raw = rows[header_index][position] if position < len(rows[header_index]) else None
        name = cell_text(raw).replace("\n", " ")
        headers.append(Truncator(name).chars(80) if name else f"Column {_letter(position)}")
    return Table(
        headers=headers,
        rows=body,
        first_row_number=header_index + 2,
        file_type=file_type,
        **how,
    )


def _letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


def cell_text(value: Any) -> str:
    """A cell as stripped text with newlines normalised ('' for nothing)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()  # a date typed into a spreadsheet
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
