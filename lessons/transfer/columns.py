"""Matching a lessons log's columns to lesson fields, and what the importer chose.

``suggest_mapping(headers)`` matches each column to a lesson field, case, space and
punctuation aside, with the synonyms of PRINCE2 lessons logs and Excel registers. The
curator may change each column's target (or ignore the column) before importing;
``check_mapping`` says what is wrong with a choice, and ``ImportOptions`` holds it with the
defaults for missing values and the switches.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from lessons.models import Lesson
from projects.models import Project

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
    """The header of the column chosen for a field, or the field's label if none is."""
    if target in options.mapping:
        return headers[options.mapping.index(target)]
    return TARGETS[target]
