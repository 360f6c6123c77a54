"""A row of a lessons log as lesson values: texts, choices, a date and the names it gives.

``read_row`` reads what the cells say and notes each problem with its column; names of
projects, phases, categories and tags are looked up later, for all rows at once
(lessons/transfer/planning.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.text import Truncator

from lessons.models import TEXT_LIMIT, Lesson
from lessons.transfer.columns import ImportOptions, column_label, normalise_header
from lessons.transfer.reading import cell_text, is_blank
from lessons.transfer.report import Problem

MAX_TAGS_LENGTH = 2000  # per cell of tags

# -- words and dates ----------------------------------------------------------------------------

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


# -- reading a row ------------------------------------------------------------------------------

# The fields chosen among a few values: the words for them, and the values, for a message.
CHOICE_FIELDS = (
    ("kind", KINDS, "went well, went wrong or improvement"),
    ("impact", IMPACTS, "low, medium, high or critical"),
    ("likelihood", LIKELIHOODS, "rare, possible or likely"),
    ("visibility", VISIBILITIES, "organisation, project or restricted"),
)


@dataclass
class Row:
    """One row's values once read, before names are looked up."""

    row: int
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # what the import did about a cell
    project_ref: str = ""
    tags: list[str] = field(default_factory=list)
    project_key: str = ""  # the project's code in lower case, once resolved


def _heading(header: str) -> str:
    """A column's header as a bold Markdown line, its own asterisks and the like escaped."""
    return "**" + re.sub(r"([\\`*_\[\]])", r"\\\1", header) + "**"


def joined_text(cells: list[tuple[str, Any]]) -> str:
    """The text of a field's columns: one column's as it is; several columns' filled cells
    one after the other, each under its column's heading (Markdown), in column order."""
    if len(cells) == 1:
        return cell_text(cells[0][1])
    texts = [(header, cell_text(value)) for header, value in cells]
    return "\n\n".join(f"{_heading(header)}\n\n{text}" for header, text in texts if text)


class _Cells:
    """A row's cells by field, with their columns' headers (a text field or the tags may
    have several); each problem is noted with its columns' headers."""

    def __init__(self, row: Row, cells: list[Any], options: ImportOptions, headers: list[str]):
        self.row = row
        self.options = options
        self.headers = headers
        self.by_target: dict[str, list[tuple[str, Any]]] = {}
        for position, target in enumerate(options.mapping):
            if target:
                cell = cells[position] if position < len(cells) else None
                self.by_target.setdefault(target, []).append((headers[position], cell))

    def raw(self, target: str) -> Any:
        """The cell of a field that takes one column."""
        cells = self.by_target.get(target)
        return cells[0][1] if cells else None

    def problem(self, target: str, message: str) -> None:
        column = column_label(self.options, self.headers, target)
        self.row.problems.append(Problem(self.row.row, column, message))

    def note(self, target: str, message: str) -> None:
        column = column_label(self.options, self.headers, target)
        self.row.notes.append(Problem(self.row.row, column, message))

    def text(self, target: str, limit: int = TEXT_LIMIT) -> str:
        value = joined_text(self.by_target.get(target, []))
        if len(value) > limit:
            self.problem(target, f"too long: {len(value):,} characters, at most {limit:,}")
            return value[:limit]
        return value

    def texts(self, target: str) -> list[str]:
        """Each of a field's cells as text, in column order."""
        return [cell_text(value) for _, value in self.by_target.get(target, [])]


def read_row(number: int, cells: list[Any], options: ImportOptions, headers: list[str]) -> Row:
    """Parse one row's cells into field values, noting each problem with its column."""
    row = Row(row=number, values={})
    read = _Cells(row, cells, options, headers)
    _read_texts(read, row.values)
    defaults = {
        "kind": options.default_kind,
        "impact": Lesson.Impact.MEDIUM,
        "likelihood": Lesson.Likelihood.POSSIBLE,
        "visibility": options.default_visibility,
    }
    for name, words, allowed in CHOICE_FIELDS:
        row.values[name] = _read_choice(read, name, words, defaults[name], allowed)
    row.values["occurred_on"] = _read_date(read)
    row.values["category"] = read.text("category", 80)
    row.values["phase"] = read.text("phase", 80)
    row.project_ref = read.text("project", 200) or (
        options.default_project.code if options.default_project else ""
    )
    if not row.project_ref:
        read.problem("project", "no project: fill in the column or choose a project for the file")
    row.tags = _read_tags(read)
    return row


TITLE_LENGTH = Lesson._meta.get_field("title").max_length


def _read_texts(read: _Cells, values: dict[str, Any]) -> None:
    for name in ("summary", "context", "root_cause", "early_warning", "recommendation"):
        values[name] = read.text(name)
    _read_title(read, values)
    if not values["recommendation"]:
        _lesson_from_summary(read, values)
    values["external_id"] = read.text("external_id", 100) or None


def _read_title(read: _Cells, values: dict[str, Any]) -> None:
    """The title; a longer one is shortened, and kept whole at the top of the summary."""
    title = read.text("title")
    if not title:
        read.problem("title", "the title is empty")
    elif len(title) > TITLE_LENGTH:
        read.note(
            "title",
            f"{len(title):,} characters: the title keeps the first words, "
            "the summary begins with the whole of it",
        )
        values["summary"] = "\n\n".join(part for part in (title, values["summary"]) if part)
        title = title[: TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"
    values["title"] = title


def _lesson_from_summary(read: _Cells, values: dict[str, Any]) -> None:
    """A row with no lesson text: its summary is the lesson (an LLIS record may hold only
    an abstract); with no summary either, the row cannot be imported."""
    if not values["summary"]:
        read.problem("recommendation", "the lesson (what to do next time) is empty")
        return
    values["recommendation"], values["summary"] = values["summary"], ""
    read.note("recommendation", "empty: the summary is the lesson")


def _read_choice(
    read: _Cells, name: str, words: dict[str, str], default: str, allowed: str
) -> str | None:
    """The value a cell's word stands for; the default for an empty cell."""
    raw = read.text(name, 200)
    if not raw:
        if not default:
            read.problem(name, f"empty: give {allowed}")
        return default
    code = words.get(normalise_header(raw))
    if code is None:
        read.problem(name, f"“{Truncator(raw).chars(40)}” is not one of {allowed}")
    return code


def _read_date(read: _Cells) -> dt.date | None:
    """The day it happened: none for an empty cell, a problem for a wrong one."""
    raw = read.raw("occurred_on")
    if is_blank(raw):
        return None
    try:
        day = parse_date(raw)
    except (ValueError, OverflowError):
        read.problem("occurred_on", f"“{Truncator(cell_text(raw)).chars(40)}” is not a date")
        return None
    if day > timezone.localdate():
        read.problem("occurred_on", f"{day:%-d %b %Y} is in the future")
    elif day.year < 1900:
        read.problem("occurred_on", f"{day.isoformat()} is before 1900")
    else:
        return day
    return None


def _read_tags(read: _Cells) -> list[str]:
    """The tags of the tags columns' cells, separated by , ; | or new lines, each once."""
    raw_tags = read.texts("tags")
    longest = max(map(len, raw_tags), default=0)
    if longest > MAX_TAGS_LENGTH:
        read.problem("tags", f"too long: {longest:,} characters, at most {MAX_TAGS_LENGTH:,}")
        return []
    tags = [part.strip() for text in raw_tags for part in re.split(r"[,;|\n]", text)]
    tags = [tag for tag in tags if tag]
    for tag in tags:
        if len(tag) > 100:
            read.problem(
                "tags", f"the tag “{Truncator(tag).chars(30)}” is longer than 100 characters"
            )
    return list(dict.fromkeys(tag[:100] for tag in tags))
