"""Lessons into Hindsight from spreadsheets: CSV in any common encoding and delimiter, XLSX.

The steps, used by the curators' page (lessons/import_views.py) and by
``python manage.py import_lessons FILE``:

1. ``read_table(data, filename)`` checks the file (size, type by content, encoding,
   delimiter, sheet) and returns its header and rows, or raises ``ImportFileError`` with a
   message for the person.
2. ``suggest_mapping(headers)`` matches each column to a lesson field, case, space and
   punctuation aside, with the synonyms of PRINCE2 lessons logs and Excel registers. The
   curator may change each column's target (or ignore the column) before importing.
3. ``run_import(table, options, user, dry_run=True)`` validates every row and reports, row
   by row, what is wrong (row number, column, message) and what would be created or
   skipped, writing nothing. With ``dry_run=False`` the same checks run and, only if no row
   has a problem, every lesson is created in one transaction: all or nothing.

Rules (README.md, "Import, export and backup"):
- Imported lessons are ``submitted`` (they wait in the curators' queue) unless the importer
  chooses to publish them; either way their history says "Imported from <file>" and names
  the curator who imported them. ``submitted_by`` stays empty: a spreadsheet's "logged by"
  is a name, not an account, and Hindsight never invents an author.
- Re-importing creates no duplicates: a row whose reference (``external_id``, unique per
  project) or content fingerprint (title, project, date and lesson, normalised) is already
  in Hindsight, or earlier in the same file, is skipped and reported.
- Unknown projects, phases, categories and tags are errors, listed by name; with
  ``create_missing`` categories and tags are created (curators), phases of projects the
  importer manages, and projects only for those who may create projects (Administrators).
- Lessons, their history rows and tags are written with bulk inserts, and the search index
  is brought up to date for them in the same transaction (lessons/search.py).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import logging
import re
import secrets
import tempfile
import time
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import charset_normalizer
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import Truncator, slugify
from taggit.models import Tag, TaggedItem

from accounts import policy
from lessons import search
from lessons.history import CHANGE_REASON_LENGTH
from lessons.models import Category, Lesson
from lessons.workflow import default_review_due
from projects.models import DEFAULT_PHASES, Department, Phase, Project, ProjectType

if TYPE_CHECKING:
    from accounts.models import User

MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB
MAX_ROWS = 10_000  # one request checks or imports them all: 5-15 s for 10,000 rows
MAX_COLUMNS = 200
MAX_TEXT_LENGTH = 20_000  # per cell of a long text; Excel's own limit is 32,767
# A workbook is a ZIP of XML: refuse one that would unpack to far more than it weighs.
MAX_XLSX_UNPACKED_BYTES = 250 * 1024 * 1024
MAX_SHOWN_PROBLEMS = 500
MAX_LISTED_ROWS = 200  # rows to create or skipped, listed on the page
BATCH_SIZE = 500
INDEX_BATCH_SIZE = 2000  # lessons per search-index and history statement
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
UNSPECIFIED = "Unspecified"  # type and department of projects an import creates

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


logger = logging.getLogger(__name__)


class ImportFileError(ValueError):
    """The file cannot be read as a lessons log; the message says why, for the person."""


# -- reading a file ----------------------------------------------------------------------------


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
            value = _text(row[column]) if column < len(row) else ""
            if value:
                found.append(Truncator(value.replace("\n", " ")).chars(60))
                if len(found) == limit:
                    break
        return found


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
        return _readable(text.removeprefix("\ufeff")), encoding
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


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(raw_rows: list[list[Any]], file_type: str, **how: Any) -> Table:
    rows = [[_cell(value) for value in row] for row in raw_rows]
    for row in rows:
        while row and _is_blank(row[-1]):
            row.pop()
    # The header is the first row with two or more cells filled in (a log often starts with
    # a title line), or the first non-empty row.
    filled = [(index, sum(not _is_blank(v) for v in row)) for index, row in enumerate(rows[:30])]
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
        name = _text(raw).replace("\n", " ")
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


def _text(value: Any) -> str:
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


# -- matching columns to fields ------------------------------------------------------------------

# Each target field with its label, and the headers that mean it, best first. Headers are
# compared without case, spaces, punctuation or accents ("Date logged" = "date_logged").
TARGETS: dict[str, str] = {
    "title": "Title",
    "summary": "Summary",
    "context": "What happened",
    "root_cause": "Root cause",
    "recommendation": "Lesson (what to do next time)",
    "early_warning": "Early warning signs",
    "kind": "Kind (went well / went wrong / improvement)",
    "category": "Category",
    "project": "Project (code or name)",
    "phase": "Phase",
    "occurred_on": "Date it happened",
    "impact": "Impact",
    "likelihood": "Likelihood of recurrence",
    "tags": "Tags",
    "visibility": "Visibility",
    "external_id": "Reference (the log's own ID)",
}
REQUIRED_TARGETS = ("title", "recommendation")
# Normalised headers per field, best first ("lesson" is a title only when another column
# holds the lesson itself).
SYNONYMS: dict[str, list[str]] = {
    target: words.split()
    for target, words in {
        "title": "title lessontitle subject headline shortdescription name lessonname topic "
        "heading issue issuetitle lesson",
        "summary": "summary synopsis abstract overview briefdescription effect",
        "context": "whathappened context description event situation background lessondetail "
        "details detail issuedescription observation finding narrative lessondescription",
        "root_cause": "rootcause rootcauses cause causes causetrigger causestriggers trigger "
        "reason whyithappened",
        "recommendation": "recommendation recommendations lessonlearned lessonslearned "
        "lessonlearnt lessonslearnt lesson learning learnings whattodonexttime "
        "recommendedaction recommendedactions advice suggestion nexttime action",
        "early_warning": "earlywarning earlywarnings earlywarningindicators "
        "earlywarningindicator earlywarningsigns warningsigns indicators",
        "kind": "type kind lessontype typeoflesson wentwellwrong positivenegative "
        "classification outcome",
        "category": "category lessoncategory area knowledgearea discipline categorisation "
        "categorization workstream",
        "project": "project projectcode projectname projectid projectref projectreference "
        "programme program",
        "phase": "phase stage projectphase projectstage managementstage",
        "occurred_on": "date datelogged dateraised dateidentified occurredon dateoccurred "
        "eventdate dateofevent loggedon raisedon identifiedon when datecreated created logged "
        "raised",
        "impact": "impact priority severity impactlevel significance criticality",
        "likelihood": "likelihood likelihoodofrecurrence probability recurrence frequency chance",
        "tags": "tags tag keywords keyword labels label themes theme",
        "visibility": "visibility audience confidentiality sharing access",
        "external_id": "reference ref externalid lessonid lessonref lessonreference "
        "referencenumber refno logid logref identifier id no number key itemno item",
    }.items()
}
# Headers that name a person or a state, never a field (even if they contain a synonym).
NEVER_MATCH = re.compile(r"(by|owner|author|status|closed|updated|modified)$|owner|author")
PARTIAL_MATCH_PENALTY = 50


def normalise_header(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]", "", plain.casefold())


def suggest_mapping(headers: list[str]) -> list[str | None]:
    """Each column's field (or None), every field used at most once, best matches first.

    An exact synonym beats a header that merely contains one; among equals, the synonym
    listed first wins. So "Title" + "Lesson" gives title + lesson, while "Lesson" +
    "Recommendation" gives title + lesson as well.
    """
    offers = []
    for column, header in enumerate(headers):
        name = normalise_header(header)
        if not name or NEVER_MATCH.search(name):
            continue
        for target, words in SYNONYMS.items():
            for rank, word in enumerate(words):
                if name == word:
                    offers.append((rank, column, target))
                elif len(word) >= 4 and word in name:
                    offers.append((PARTIAL_MATCH_PENALTY + rank, column, target))
    mapping: list[str | None] = [None] * len(headers)
    taken: set[str] = set()
    for _, column, target in sorted(offers):
        if mapping[column] is None and target not in taken:
            mapping[column] = target
            taken.add(target)
    return mapping


# -- values -------------------------------------------------------------------------------------

KIND_WORDS = {
    Lesson.Kind.WENT_WELL: (
        "wentwell whatwentwell well positive success good strength keepdoing goodpractice "
        "bestpractice worked"
    ),
    Lesson.Kind.WENT_WRONG: (
        "wentwrong whatwentwrong wrong negative issue problem failure fail bad risk "
        "didnotgowell notwell"
    ),
    Lesson.Kind.IMPROVEMENT: (
        "improvement improve opportunity improvementopportunity suggestion recommendation "
        "evenbetterif ebi change"
    ),
}
IMPACT_WORDS = {
    Lesson.Impact.LOW: "low minor l small negligible 1",
    Lesson.Impact.MEDIUM: "medium moderate med m normal average 2",
    Lesson.Impact.HIGH: "high major h significant serious 3",
    Lesson.Impact.CRITICAL: "critical severe veryhigh urgent showstopper extreme c 4",
}
LIKELIHOOD_WORDS = {
    Lesson.Likelihood.RARE: "rare unlikely low remote seldom improbable",
    Lesson.Likelihood.POSSIBLE: "possible medium moderate occasional maybe",
    Lesson.Likelihood.LIKELY: "likely high probable frequent almostcertain verylikely certain",
}
VISIBILITY_WORDS = {
    Lesson.Visibility.ORGANISATION: (
        "organisation organization wholeorganisation wholeorganization everyone public all "
        "org internal company"
    ),
    Lesson.Visibility.PROJECT: "project projectonly projectmembersonly team members",
    Lesson.Visibility.RESTRICTED: "restricted confidential private curators curatorsonly secret",
}


def _word_table(words: dict[str, str], choices) -> dict[str, str]:
    table = {}
    for code, text in words.items():
        for word in text.split():
            table[word] = code
        table[normalise_header(code)] = code
        table[normalise_header(choices(code).label)] = code
    return table


KINDS = _word_table(KIND_WORDS, Lesson.Kind)
IMPACTS = _word_table(IMPACT_WORDS, Lesson.Impact)
LIKELIHOODS = _word_table(LIKELIHOOD_WORDS, Lesson.Likelihood)
VISIBILITIES = _word_table(VISIBILITY_WORDS, Lesson.Visibility)

DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%d/%m/%y",
    "%d.%m.%y",
    "%d-%m-%y",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %y",
    "%B %d %Y",
    "%b %d %Y",
    "%B %Y",
    "%b %Y",
    "%Y%m%d",
)
# Day first (en-GB), unless only month first makes sense (12/31/2024).
MONTH_FIRST_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%m.%d.%Y")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: Any) -> dt.date:
    """A date from a cell: a date, an Excel day number, or text in a common format."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's day numbers, 1900-01-01 to 9999-12-31
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError
    text = re.sub(r"\s+", " ", str(value).strip().replace(",", " ")).strip()
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text, flags=re.IGNORECASE)
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}", text)
    if iso:
        text = iso.group(1)
    for formats in (DATE_FORMATS, MONTH_FIRST_FORMATS):
        for pattern in formats:
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    raise ValueError


def fingerprint(title: str, project_code: str, occurred_on: dt.date | None, lesson: str) -> str:
    """The content key of an imported lesson: normalised title, project, date and lesson."""

    def norm(text: str) -> str:
        return " ".join(text.casefold().split())

    parts = [norm(title), project_code.casefold(), occurred_on.isoformat() if occurred_on else ""]
    parts.append(norm(lesson))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# -- checking and importing ---------------------------------------------------------------------


@dataclass
class ImportOptions:
    """What the importer chose: a field per column, defaults for missing values, switches."""

    mapping: list[str | None]
    filename: str = ""
    default_project: Project | None = None
    default_kind: str = Lesson.Kind.IMPROVEMENT
    default_visibility: str = Lesson.Visibility.ORGANISATION
    publish: bool = False
    create_missing: bool = False


@dataclass
class Problem:
    row: int  # the spreadsheet row number; 0 for the file as a whole
    column: str
    message: str


@dataclass
class PlannedRow:
    row: int
    title: str
    project: str
    outcome: str  # "create", "skip" or "error"
    note: str = ""


@dataclass
class ImportReport:
    filename: str
    dry_run: bool
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    blank_rows: int = 0
    # Names not found in Hindsight, by kind ("projects", "phases", "categories", "tags"):
    # missing = errors; created = created (or to be created, in a dry run).
    missing: dict[str, list[str]] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)
    created_ids: list[int] = field(default_factory=list)
    status: str = Lesson.Status.SUBMITTED
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def to_create(self) -> int:
        return self.count("create")

    @property
    def skipped(self) -> int:
        return self.count("skip")

    @property
    def with_errors(self) -> int:
        return self.count("error")

    def _first(self, outcome: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.outcome == outcome][:MAX_LISTED_ROWS]

    @property
    def skipped_rows(self) -> list[PlannedRow]:
        return self._first("skip")

    @property
    def created_rows(self) -> list[PlannedRow]:
        return self._first("create")

    @property
    def shown_problems(self) -> list[Problem]:
        return self.problems[:MAX_SHOWN_PROBLEMS]

    @property
    def hidden_problems(self) -> int:
        return max(0, len(self.problems) - MAX_SHOWN_PROBLEMS)

    def summary(self) -> dict[str, Any]:
        """Plain figures for the session (the "done" page) and the command's output."""
        return {
            "filename": self.filename,
            "created": len(self.created_ids) if not self.dry_run else 0,
            "to_create": self.to_create,
            "skipped": self.skipped,
            "errors": len(self.problems),
            "blank_rows": self.blank_rows,
            "status": self.status,
            "created_things": self.created,
            "seconds": round(self.seconds, 1),
        }


@dataclass
class _Row:
    """One row's values once read, before names are looked up."""

    row: int
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    project_ref: str = ""
    tags: list[str] = field(default_factory=list)
    project_key: str = ""  # the project's code in lower case, once resolved


class _Lookups:
    """Projects, phases, categories and tags by lower-case name, loaded once per import."""

    def __init__(self, rows: list[_Row]):
        self.projects: dict[str, tuple[int | None, str]] = {}  # code/name -> (id, code)
        for pk, code, name in Project.objects.values_list("id", "code", "name"):
            self.projects.setdefault(name.casefold(), (pk, code))
        for pk, code, _ in Project.objects.values_list("id", "code", "name"):
            self.projects[code.casefold()] = (pk, code)  # a code beats a name
        self.categories: dict[str, int] = {}
        for pk, name, slug in Category.objects.values_list("id", "name", "slug"):
            self.categories[name.casefold()] = pk
            self.categories.setdefault(slug.casefold(), pk)
        wanted = sorted({name.casefold() for row in rows for name in row.tags})
        self.tags: dict[str, int] = {}
        for start in range(0, len(wanted), BATCH_SIZE):
            found = (
                Tag.objects.annotate(folded=Lower("name"))
                .filter(folded__in=wanted[start : start + BATCH_SIZE])
                .values_list("folded", "id")
            )
            self.tags.update(found)
        self.tags = {name.casefold(): pk for name, pk in self.tags.items()}
        self.phases: dict[tuple[int, str], int] = {}

    def load_phases(self, project_ids: set[int]) -> None:
        for pk, project_id, name in Phase.objects.filter(project_id__in=project_ids).values_list(
            "id", "project_id", "name"
        ):
            self.phases[(project_id, name.casefold())] = pk


def _read_row(number: int, cells: list[Any], options: ImportOptions, headers: list[str]) -> _Row:
    """Parse one row's cells into field values, noting each problem with its column."""
    row = _Row(row=number, values={})
    by_target: dict[str, tuple[str, Any]] = {}
    for position, target in enumerate(options.mapping):
        if target:
            by_target[target] = (
                headers[position],
                cells[position] if position < len(cells) else None,
            )

    def problem(target: str, message: str) -> None:
        column = by_target[target][0] if target in by_target else TARGETS[target]
        row.problems.append(Problem(number, column, message))

    def text(target: str, limit: int = MAX_TEXT_LENGTH) -> str:
        value = _text(by_target.get(target, ("", None))[1])
        if len(value) > limit:
            problem(target, f"too long: {len(value):,} characters, at most {limit:,}")
            return value[:limit]
        return value

    values = row.values
    values["title"] = text("title", Lesson._meta.get_field("title").max_length)
    if not values["title"]:
        problem("title", "the title is empty")
    values["recommendation"] = text("recommendation")
    if not values["recommendation"]:
        problem("recommendation", "the lesson (what to do next time) is empty")
    for name in ("summary", "context", "root_cause", "early_warning"):
        values[name] = text(name)
    values["external_id"] = text("external_id", 100) or None

    for name, table, default, allowed in (
        ("kind", KINDS, options.default_kind, "went well, went wrong or improvement"),
        ("impact", IMPACTS, Lesson.Impact.MEDIUM, "low, medium, high or critical"),
        ("likelihood", LIKELIHOODS, Lesson.Likelihood.POSSIBLE, "rare, possible or likely"),
        (
            "visibility",
            VISIBILITIES,
            options.default_visibility,
            "organisation, project or restricted",
        ),
    ):
        raw = text(name, 200)
        if not raw:
            values[name] = default
            if not default:
                problem(name, f"empty: give {allowed}")
            continue
        code = table.get(normalise_header(raw))
        if code is None:
            problem(name, f"“{Truncator(raw).chars(40)}” is not one of {allowed}")
        values[name] = code

    raw_date = by_target.get("occurred_on", ("", None))[1]
    values["occurred_on"] = None
    if not _is_blank(raw_date):
        try:
            day = parse_date(raw_date)
        except (ValueError, OverflowError):
            problem("occurred_on", f"“{Truncator(_text(raw_date)).chars(40)}” is not a date")
        else:
            if day > timezone.localdate():
                problem("occurred_on", f"{day:%-d %b %Y} is in the future")
            elif day.year < 1900:
                problem("occurred_on", f"{day.isoformat()} is before 1900")
            else:
                values["occurred_on"] = day

    values["category"] = text("category", 80)
    values["phase"] = text("phase", 80)
    row.project_ref = text("project", 200) or (
        options.default_project.code if options.default_project else ""
    )
    if not row.project_ref:
        problem("project", "no project: fill in the column or choose a project for the file")
    raw_tags = text("tags", 2000)
    tags = [part.strip() for part in re.split(r"[,;|\n]", raw_tags) if part.strip()]
    for tag in tags:
        if len(tag) > 100:
            problem("tags", f"the tag “{Truncator(tag).chars(30)}” is longer than 100 characters")
    row.tags = list(dict.fromkeys(tag[:100] for tag in tags))
    return row


@dataclass
class _Plan:
    report: ImportReport
    rows: list[_Row]  # the rows to create
    new_projects: dict[str, str] = field(default_factory=dict)  # lower code -> code
    new_phases: dict[tuple[str, str], str] = field(default_factory=dict)  # (code, lower) -> name
    new_categories: dict[str, str] = field(default_factory=dict)  # lower name -> name
    new_tags: dict[str, str] = field(default_factory=dict)
    project_ids: dict[str, int] = field(default_factory=dict)  # lower code -> id
    codes: dict[str, str] = field(default_factory=dict)  # lower code -> code
    lookups: _Lookups | None = None


def check_mapping(mapping: list[str | None], has_default_project: bool) -> list[str]:
    """What is wrong with a choice of columns, as messages (empty when it will do)."""
    messages = []
    chosen = [target for target in mapping if target]
    for target in REQUIRED_TARGETS:
        if target not in chosen:
            messages.append(f"Choose the column that holds the {TARGETS[target].lower()}.")
    if "project" not in chosen and not has_default_project:
        messages.append("Choose the project column, or a project for every row of the file.")
    for target, times in Counter(chosen).items():
        if times > 1:
            messages.append(f"{TARGETS[target]} is chosen for {times} columns: choose one.")
    return messages


def _plan(table: Table, options: ImportOptions, user: User | None, dry_run: bool) -> _Plan:
    report = ImportReport(filename=options.filename, dry_run=dry_run)
    report.status = Lesson.Status.PUBLISHED if options.publish else Lesson.Status.SUBMITTED
    for message in check_mapping(options.mapping, options.default_project is not None):
        report.problems.append(Problem(0, "", message))
    if report.problems:
        return _Plan(report=report, rows=[])

    rows: list[_Row] = []
    for offset, cells in enumerate(table.rows):
        if all(_is_blank(value) for value in cells):
            report.blank_rows += 1
            continue
        rows.append(_read_row(table.first_row_number + offset, cells, options, table.headers))

    plan = _Plan(report=report, rows=[])
    lookups = _Lookups(rows)
    plan.lookups = lookups
    may_create = options.create_missing
    may_create_projects = may_create and (user is None or policy.can_create_projects(user))
    missing: dict[str, set[str]] = {"projects": set(), "phases": set(), "categories": set()}
    missing["tags"] = set()

    # Projects first: phases are looked up within them.
    for row in rows:
        if not row.project_ref:
            continue
        key = row.project_ref.casefold()
        found = lookups.projects.get(key)
        if found is not None:
            plan.project_ids[found[1].casefold()] = found[0]
            plan.codes[found[1].casefold()] = found[1]
            row.project_key = found[1].casefold()
        elif len(row.project_ref) > Project._meta.get_field("code").max_length:
            row.problems.append(
                Problem(
                    row.row,
                    _column(options, table, "project"),
                    f"unknown project “{Truncator(row.project_ref).chars(40)}”, too long "
                    "for a new project's code (at most 32 characters)",
                )
            )
        elif may_create_projects:
            plan.new_projects.setdefault(key, row.project_ref)
            plan.codes.setdefault(key, row.project_ref)
            row.project_key = key
        else:
            missing["projects"].add(row.project_ref)
            message = f"unknown project “{row.project_ref}”"
            if may_create:
                message += " (only administrators can create projects)"
            row.problems.append(Problem(row.row, _column(options, table, "project"), message))
    lookups.load_phases(set(plan.project_ids.values()))
    new_phase_names = {name.casefold() for name in DEFAULT_PHASES}  # a new project's
    managed: dict[int, bool] = {}

    for row in rows:
        values = row.values
        # Category
        name = values.pop("category")
        values["category_id"] = None
        if name:
            pk = lookups.categories.get(name.casefold()) or lookups.categories.get(
                slugify(name).casefold()
            )
            if pk is not None:
                values["category_id"] = pk
            elif may_create and (user is None or policy.can_curate(user)):
                plan.new_categories.setdefault(name.casefold(), name)
                values["category_id"] = name.casefold()
            else:
                missing["categories"].add(name)
                row.problems.append(
                    Problem(
                        row.row, _column(options, table, "category"), f"unknown category “{name}”"
                    )
                )
        # Tags
        for tag in row.tags:
            if tag.casefold() in lookups.tags:
                continue
            if may_create:
                plan.new_tags.setdefault(tag.casefold(), tag)
            else:
                missing["tags"].add(tag)
                row.problems.append(
                    Problem(row.row, _column(options, table, "tags"), f"unknown tag “{tag}”")
                )
        # Phase, within the row's project
        phase = values.pop("phase")
        values["phase_id"] = None
        if phase and row.project_key:
            project_id = plan.project_ids.get(row.project_key)
            code = plan.codes[row.project_key]
            if project_id is not None and (project_id, phase.casefold()) in lookups.phases:
                values["phase_id"] = lookups.phases[(project_id, phase.casefold())]
            else:
                if project_id is None:  # a new project gets the default phases
                    allowed = True
                elif project_id not in managed:
                    project = Project.objects.get(pk=project_id)
                    managed[project_id] = user is None or policy.can_manage_project(user, project)
                    allowed = managed[project_id]
                else:
                    allowed = managed[project_id]
                if may_create and allowed:
                    if project_id is not None or phase.casefold() not in new_phase_names:
                        plan.new_phases.setdefault((row.project_key, phase.casefold()), phase)
                    values["phase_id"] = (row.project_key, phase.casefold())
                else:
                    missing["phases"].add(f"{phase} ({code})")
                    message = f"project {code} has no phase “{phase}”"
                    if may_create:
                        message += " (only its manager or an administrator can add phases)"
                    row.problems.append(Problem(row.row, _column(options, table, "phase"), message))

    _find_duplicates(plan, rows, options, table)
    for row in rows:
        if row.problems:
            report.rows.append(PlannedRow(row.row, row.values["title"], row.project_ref, "error"))
            report.problems.extend(row.problems)
        elif row.values.get("_skip"):
            report.rows.append(
                PlannedRow(
                    row.row, row.values["title"], row.project_ref, "skip", row.values["_skip"]
                )
            )
        else:
            report.rows.append(PlannedRow(row.row, row.values["title"], row.project_ref, "create"))
            plan.rows.append(row)
    report.missing = {
        kind: sorted(names, key=str.casefold) for kind, names in missing.items() if names
    }
    report.created = {
        kind: sorted(names, key=str.casefold)
        for kind, names in (
            ("projects", plan.new_projects.values()),
            (
                "phases",
                [f"{name} ({plan.codes[code]})" for (code, _), name in plan.new_phases.items()],
            ),
            ("categories", plan.new_categories.values()),
            ("tags", plan.new_tags.values()),
        )
        if names
    }
    return plan


def _column(options: ImportOptions, table: Table, target: str) -> str:
    if target in options.mapping:
        return table.headers[options.mapping.index(target)]
    return TARGETS[target]


def _find_duplicates(plan: _Plan, rows: list[_Row], options: ImportOptions, table: Table) -> None:
    """Mark rows already in Hindsight, or earlier in the file, to be skipped.

    A reference (``external_id``) is unique per project: a second row with the same one in
    a file is an error (two different lessons cannot share it). The same content twice
    (fingerprint) is the same lesson: skipped.
    """
    by_reference: dict[tuple[str, str], int] = {}
    by_print: dict[str, int] = {}
    for row in rows:
        values = row.values
        if not row.project_key or not values["title"]:
            continue
        values["import_fingerprint"] = fingerprint(
            values["title"],
            plan.codes[row.project_key],
            values["occurred_on"],
            values["recommendation"],
        )
        reference = values["external_id"]
        if reference:
            earlier = by_reference.setdefault((row.project_key, reference), row.row)
            if earlier != row.row:
                row.problems.append(
                    Problem(
                        row.row,
                        _column(options, table, "external_id"),
                        f"the reference “{reference}” is already used by row {earlier} "
                        f"for project {plan.codes[row.project_key]}",
                    )
                )
                continue
        earlier = by_print.setdefault(values["import_fingerprint"], row.row)
        if earlier != row.row:
            values["_skip"] = f"the same lesson as row {earlier}"

    # Already in Hindsight: by reference within existing projects, or by fingerprint.
    known_references: dict[tuple[int, str], int] = {}
    wanted = [
        (plan.project_ids[row.project_key], row.values["external_id"])
        for row in rows
        if row.project_key in plan.project_ids and row.values.get("external_id")
    ]
    references = sorted({reference for _, reference in wanted})
    project_ids = {project_id for project_id, _ in wanted}
    for start in range(0, len(references), BATCH_SIZE):
        for pk, project_id, reference in Lesson.objects.filter(
            project_id__in=project_ids, external_id__in=references[start : start + BATCH_SIZE]
        ).values_list("id", "project_id", "external_id"):
            known_references[(project_id, reference)] = pk
    prints = sorted(
        {row.values["import_fingerprint"] for row in rows if "import_fingerprint" in row.values}
    )
    known_prints: dict[str, int] = {}
    for start in range(0, len(prints), BATCH_SIZE):
        known_prints.update(
            (value, pk)
            for value, pk in Lesson.objects.filter(
                import_fingerprint__in=prints[start : start + BATCH_SIZE]
            ).values_list("import_fingerprint", "id")
        )
    for row in rows:
        values = row.values
        if row.problems or "import_fingerprint" not in values:
            continue
        project_id = plan.project_ids.get(row.project_key)
        existing = known_references.get((project_id, values["external_id"] or ""))
        if existing is None:
            existing = known_prints.get(values["import_fingerprint"])
        if existing is not None:
            values["_skip"] = f"already there, skipped (lesson {existing})"


def run_import(
    table: Table, options: ImportOptions, user: User | None = None, *, dry_run: bool = True
) -> ImportReport:
    """Check every row; unless ``dry_run``, create the lessons if no row has a problem.

    All or nothing: one problem anywhere and nothing is written.
    """
    started = time.monotonic()
    plan = _plan(table, options, user, dry_run)
    report = plan.report
    if not dry_run and report.ok and plan.rows:
        try:
            with transaction.atomic():
                report.created_ids = _write(plan, options, user)
        except (IntegrityError, DataError):
            logger.exception("Import of %s refused by the database", options.filename)
            report.created_ids = []
            report.problems.append(
                Problem(
                    0,
                    "",
                    "The database refused the import (someone may have saved the same "
                    "references or names meanwhile): nothing was imported. Check the file "
                    "again.",
                )
            )
    report.seconds = time.monotonic() - started
    return report


def _unspecified_project_context() -> tuple[ProjectType, Department]:
    kind = ProjectType.objects.filter(Q(slug="unspecified") | Q(name=UNSPECIFIED)).first()
    if kind is None:
        kind = ProjectType.objects.create(slug="unspecified", name=UNSPECIFIED)
    department, _ = Department.objects.get_or_create(name=UNSPECIFIED)
    return kind, department


def _unique_slugs(names: list[str], model, make_slug) -> dict[str, str]:
    """A slug for each new name that no row of ``model`` (or another new name) has yet."""
    room = model._meta.get_field("slug").max_length - 6  # for a "_123" suffix
    wanted = {name: (make_slug(name) or "tag")[:room] for name in names}
    taken = set(model.objects.filter(slug__in=list(wanted.values())).values_list("slug", flat=True))
    slugs = {}
    for name, base in wanted.items():
        slug, n = base, 1
        while slug in taken:
            slug = f"{base}_{n}"
            n += 1
        taken.add(slug)
        slugs[name] = slug
    return slugs


def _write(plan: _Plan, options: ImportOptions, user: User | None) -> list[int]:
    now = timezone.now()
    # New projects (with the default phases), then phases, categories and tags.
    if plan.new_projects:
        project_type, department = _unspecified_project_context()
        for key, code in plan.new_projects.items():
            project = Project.objects.create(
                code=code,
                name=code,
                description=f"Created by the import of {options.filename}.",
                project_type=project_type,
                department=department,
                status=Project.Status.CLOSED,
            )
            project.add_default_phases()
            plan.project_ids[key] = project.pk
    phases = {
        (project_id, name.casefold()): pk
        for pk, project_id, name in Phase.objects.filter(
            project_id__in=set(plan.project_ids.values())
        ).values_list("id", "project_id", "name")
    }
    for (code, folded), name in plan.new_phases.items():
        project_id = plan.project_ids[code]
        if (project_id, folded) not in phases:
            order = Phase.objects.filter(project_id=project_id).count() + 1
            phases[(project_id, folded)] = Phase.objects.create(
                project_id=project_id, name=name, order=order
            ).pk
    categories = {}
    if plan.new_categories:
        slugs = _unique_slugs(list(plan.new_categories.values()), Category, slugify)
        for folded, name in plan.new_categories.items():
            categories[folded] = Category.objects.create(name=name, slug=slugs[name]).pk
    tag_ids = dict(plan.lookups.tags)
    if plan.new_tags:
        names = list(plan.new_tags.values())
        slugs = _unique_slugs(names, Tag, lambda name: Tag().slugify(name))
        Tag.objects.bulk_create([Tag(name=name, slug=slugs[name]) for name in names])
        for name, pk in Tag.objects.filter(slug__in=list(slugs.values())).values_list("name", "id"):
            tag_ids[name.casefold()] = pk

    status = Lesson.Status.PUBLISHED if options.publish else Lesson.Status.SUBMITTED
    published = (
        {
            "published_at": now,
            "reviewed_by": user,
            "review_due": default_review_due(),
        }
        if options.publish
        else {}
    )
    lessons = []
    for row in plan.rows:
        values = dict(row.values)
        values.pop("_skip", None)
        category = values.pop("category_id")
        phase = values.pop("phase_id")
        lessons.append(
            Lesson(
                **values,
                project_id=plan.project_ids[row.project_key],
                category_id=categories[category] if isinstance(category, str) else category,
                phase_id=phases[(plan.project_ids[phase[0]], phase[1])]
                if isinstance(phase, tuple)
                else phase,
                status=status,
                created_at=now,
                **published,
            )
        )
    Lesson.objects.bulk_create(lessons, batch_size=BATCH_SIZE)
    ids = [lesson.pk for lesson in lessons]
    reason = Truncator(f"Imported from {options.filename or 'a file'}").chars(CHANGE_REASON_LENGTH)
    _record_history(ids, user, reason, now)
    content_type = ContentType.objects.get_for_model(Lesson)
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(
                content_type=content_type, object_id=lesson.pk, tag_id=tag_ids[tag.casefold()]
            )
            for lesson, row in zip(lessons, plan.rows, strict=True)
            for tag in row.tags
        ],
        batch_size=BATCH_SIZE * 4,
    )
    for start in range(0, len(ids), INDEX_BATCH_SIZE):
        search.index_lessons(ids[start : start + INDEX_BATCH_SIZE])
    return ids


def _record_history(ids: list[int], user: User | None, reason: str, when: dt.datetime) -> None:
    """The first history row of each new lesson, copied from the lesson rows by the database.

    django-simple-history's ``bulk_history_create`` would build a model instance per row in
    Python; copying in SQL writes the very same row (every tracked column, who, when, why)
    at a fraction of the cost.
    """
    history = Lesson.history.model
    columns = ", ".join(connection.ops.quote_name(f.column) for f in history.tracked_fields)
    when = connection.ops.adapt_datetimefield_value(when)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), INDEX_BATCH_SIZE):
            chunk = ids[start : start + INDEX_BATCH_SIZE]
            cursor.execute(
                f"INSERT INTO {history._meta.db_table} ({columns}, history_date, "
                "history_change_reason, history_type, history_user_id) "
                f"SELECT {columns}, %s, %s, '+', %s FROM {Lesson._meta.db_table} "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))}) ORDER BY id",
                [when, reason, user.pk if user else None, *chunk],
            )


# -- keeping an upload between steps -------------------------------------------------------------


def upload_dir() -> Path:
    """Where uploads wait between the steps: a private folder, files named by random tokens."""
    base = getattr(settings, "HINDSIGHT_IMPORT_DIR", None) or tempfile.gettempdir()
    folder = Path(base) / "hindsight-imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def save_upload(data: bytes) -> str:
    """Keep an upload under a new random token; returns the token."""
    purge_old_uploads()
    token = secrets.token_urlsafe(24)
    path = upload_dir() / token
    with open(path, "xb") as handle:
        handle.write(data)
    path.chmod(0o600)
    return token


def upload_path(token: str) -> Path:
    """The file of a token. Only tokens of our own making pass: never a path from a client."""
    if not TOKEN_PATTERN.match(token or ""):
        raise FileNotFoundError(token)
    path = upload_dir() / token
    if not path.is_file():
        raise FileNotFoundError(token)
    return path


def read_upload(token: str) -> bytes:
    return upload_path(token).read_bytes()


def delete_upload(token: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        upload_path(token).unlink()


def purge_old_uploads(max_age: int = UPLOAD_MAX_AGE_SECONDS) -> None:
    """Remove uploads nobody finished importing within a day."""
    limit = time.time() - max_age
    for path in upload_dir().iterdir():
        try:
            if TOKEN_PATTERN.match(path.name) and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue
