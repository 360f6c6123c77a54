"""Matching a lessons log's columns to lesson fields, and what the importer chose.

``suggest_mapping(headers)`` matches each column to a lesson field, case, space and
punctuation aside, with the synonyms of PRINCE2 lessons logs, Excel registers and NASA's
LLIS records. The curator may change each column's target (or ignore the column) before
importing; ``check_mapping`` says what is wrong with a choice, ``ImportOptions`` holds it
with the defaults for missing values and the switches, and ``describe_columns`` says what
happens to each column, for the dry run.

Several columns may feed one text field (``TEXT_TARGETS``): each filled cell is kept under
its column's heading, in column order (lessons/transfer/rows.py). Several may feed the
tags (their tags are merged). Every other field takes one column.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lessons.models import Lesson
from projects.models import Project

if TYPE_CHECKING:
    from lessons.transfer.reading import Table

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
# The fields several columns may feed: texts joined under their headings, tags merged.
TEXT_TARGETS = ("summary", "context", "root_cause", "recommendation", "early_warning")
MULTI_TARGETS = (*TEXT_TARGETS, "tags")
# Normalised headers per field, best first ("lesson" is a title only when another column
# holds the lesson itself).
SYNONYMS: dict[str, list[str]] = {
    target: words.split()
    for target, words in {
        "title": "title lessontitle subject headline shortdescription name lessonname topic "
        "heading issue issuetitle lesson",
        "summary": "summary synopsis abstract overview briefdescription effect",
        "context": "whathappened context description event situation background lessondetail "
        "details detail issuedescription observation finding narrative lessondescription "
        "drivingevent evidenceofrecurrencecontroleffectiveness recurrencecontrol evidence",
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
        "programme program projectprogram programproject projectprogramme programmeproject",
        "phase": "phase stage projectphase projectstage managementstage programprojectphase "
        "projectprogramphase lifecyclephase",
        "occurred_on": "date datelogged dateraised dateidentified occurredon dateoccurred "
        "eventdate dateofevent loggedon raisedon identifiedon when datecreated created logged "
        "raised datelessonoccurred lessondate",
        "impact": "impact priority severity impactlevel significance criticality",
        "likelihood": "likelihood likelihoodofrecurrence probability recurrence frequency chance",
        "tags": "tags tag keywords keyword labels label themes theme topics missiondirectorate "
        "directorate submittingorganization submittingorganisation",
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


def _offers(headers: list[str]) -> list[tuple[int, int, str]]:
    """(rank, column, field) for each field a header may mean, best first.

    A header that is exactly a field's synonym means that field only; a header that merely
    contains synonyms may mean each of them, ranked below every exact match.
    """
    offers = []
    for column, header in enumerate(headers):
        name = normalise_header(header)
        if not name or NEVER_MATCH.search(name):
            continue
        exact, partial = [], []
        for target, words in SYNONYMS.items():
            for rank, word in enumerate(words):
                if name == word:
                    exact.append((rank, column, target))
                elif len(word) >= 4 and word in name:
                    partial.append((PARTIAL_MATCH_PENALTY + rank, column, target))
        offers.extend(exact or partial)
    return sorted(offers)


def suggest_mapping(headers: list[str]) -> list[str | None]:
    """Each column's field (or None), best matches first.

    Each field first gets its best column: an exact synonym beats a header that merely
    contains one; among equals, the synonym listed first wins. So "Title" + "Lesson" gives
    title + lesson, while "Lesson" + "Recommendation" gives title + lesson as well. Then a
    column left over that means a text field or the tags joins that field ("Lesson(s)
    Learned" beside "Recommendation(s)": both the lesson), rather than being dropped.
    """
    offers = _offers(headers)
    mapping: list[str | None] = [None] * len(headers)
    taken: set[str] = set()
    for _, column, target in offers:
        if mapping[column] is None and target not in taken:
            mapping[column] = target
            taken.add(target)
    for _, column, target in offers:
        if mapping[column] is None and target in MULTI_TARGETS:
            mapping[column] = target
    return mapping


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
        if times > 1 and target not in MULTI_TARGETS:
            messages.append(f"{TARGETS[target]} is chosen for {times} columns: choose one.")
    return messages


def _rows(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


@dataclass
class ColumnUse:
    """What an import does with one column of the file, for the dry run."""

    header: str
    target: str | None
    filled: int  # the rows with something in this column
    together: list[str]  # the other columns feeding the same field, in column order

    @property
    def lost(self) -> bool:
        """A column with something in it that nothing will keep."""
        return self.target is None and self.filled > 0

    @property
    def fate(self) -> str:
        """Where the column goes, in words."""
        if self.target is None:
            return f"not imported ({_rows(self.filled)} filled)" if self.filled else "empty"
        if not self.together:
            return TARGETS[self.target]
        others = ", ".join(self.together)
        if self.target == "tags":
            return f"Tags, merged with those of {others}"
        return f"{TARGETS[self.target]}, joined with {others}, each under its heading"

    @property
    def warning(self) -> str:
        return (
            f"Column '{self.header}', filled in {_rows(self.filled)}, will not be imported: "
            "choose a field to keep it"
        )


def describe_columns(table: Table, mapping: list[str | None]) -> list[ColumnUse]:
    """What happens to each column of ``table`` with ``mapping``, in column order."""
    return [
        ColumnUse(
            header=header,
            target=target,
            filled=table.filled(position),
            together=[
                other
                for place, other in enumerate(table.headers)
                if target and place != position and mapping[place] == target
            ],
        )
        for position, (header, target) in enumerate(zip(table.headers, mapping, strict=True))
    ]


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


def column_label(options: ImportOptions, headers: list[str], target: str) -> str:
    """The headers of the columns chosen for a field ("A + B"), or the field's label."""
    chosen = [headers[place] for place, chosen in enumerate(options.mapping) if chosen == target]
    return " + ".join(chosen) or TARGETS[target]
