"""Planning an import (the dry run): every row checked, names looked up, repeats found.

``plan_import`` writes nothing. It returns a ``Plan``: the report for the person (each
row's outcome, each problem with its row and column, the names missing or to be created)
and what writing the lessons needs (lessons/transfer/writing.py).

Rules:
- Unknown projects, phases, categories and tags are errors, listed by name; with
  ``create_missing`` categories and tags are created (curators), phases of projects the
  importer manages, and projects only for those who may create projects (Administrators).
  A new project is named as the file names it, with a code made from that name if the name
  cannot be one (lessons/transfer/project_codes.py); the same name in several rows is one
  project.
- The report says what happens to each column of the file, and names the filled columns
  that no field keeps (lessons/transfer/columns.py).
- Re-importing creates no duplicates: a row whose reference (``external_id``, unique per
  project) or content fingerprint (title, project, date and lesson, normalised) is already
  in Hindsight, or earlier in the same file, is skipped and reported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models.functions import Lower
from django.utils.text import slugify
from taggit.models import Tag

from accounts import policy
from lessons.models import Category, Lesson
from lessons.transfer.columns import (
    ImportOptions,
    check_mapping,
    column_label,
    describe_columns,
)
from lessons.transfer.project_codes import new_project_codes
from lessons.transfer.reading import Table, is_blank
from lessons.transfer.report import ImportReport, PlannedRow, Problem
from lessons.transfer.rows import Row, read_row
from projects.models import DEFAULT_PHASES, Phase, Project

if TYPE_CHECKING:
    import datetime as dt

    from accounts.models import User

BATCH_SIZE = 500
# The phases a new project gets (Project.add_default_phases), by lower-case name.
NEW_PROJECT_PHASES = {name.casefold() for name in DEFAULT_PHASES}


def fingerprint(title: str, project_code: str, occurred_on: dt.date | None, lesson: str) -> str:
    """The content key of an imported lesson: normalised title, project, date and lesson."""

    def norm(text: str) -> str:
        return " ".join(text.casefold().split())

    parts = [norm(title), project_code.casefold(), occurred_on.isoformat() if occurred_on else ""]
    parts.append(norm(lesson))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Lookups:
    """Projects, phases, categories and tags by lower-case name, loaded once per import."""

    def __init__(self, rows: list[Row]):
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


@dataclass
class Plan:
    report: ImportReport
    rows: list[Row]  # the rows to create
    new_projects: dict[str, str] = field(default_factory=dict)  # lower code -> name
    # (lower code, lower name) -> name
    new_phases: dict[tuple[str, str], str] = field(default_factory=dict)
    new_categories: dict[str, str] = field(default_factory=dict)  # lower -> name
    new_tags: dict[str, str] = field(default_factory=dict)
    project_ids: dict[str, int] = field(default_factory=dict)  # lower code -> id
    codes: dict[str, str] = field(default_factory=dict)  # lower code -> code
    lookups: Lookups | None = None


def plan_import(table: Table, options: ImportOptions, user: User | None, dry_run: bool) -> Plan:
    """Check every row and look up every name; the report says what an import would do."""
    report = ImportReport(filename=options.filename, dry_run=dry_run)
    report.status = Lesson.Status.PUBLISHED if options.publish else Lesson.Status.SUBMITTED
    report.columns = describe_columns(table, options.mapping)
    for message in check_mapping(options.mapping, options.default_project is not None):
        report.problems.append(Problem(0, "", message))
    if report.problems:
        return Plan(report=report, rows=[])

    rows = _read_rows(table, options, report)
    lookups = Lookups(rows)
    plan = Plan(report=report, rows=[], lookups=lookups)
    names = _Names(plan, lookups, options, table.headers, user)
    for row in rows:  # projects first: phases are looked up within them
        names.project(row)
    names.new_projects(rows)
    lookups.load_phases(set(plan.project_ids.values()))
    for row in rows:
        names.category(row)
        names.tags(row)
        names.phase(row)
    _find_duplicates(plan, rows, options, table.headers)
    _sort_out(plan, rows)
    report.missing = {
        kind: sorted(found, key=str.casefold) for kind, found in names.missing.items() if found
    }
    report.created = _to_create(plan)
    return plan


def _read_rows(table: Table, options: ImportOptions, report: ImportReport) -> list[Row]:
    """Every row that is not blank, read; blank ones are counted."""
    rows: list[Row] = []
    for offset, cells in enumerate(table.rows):
        if all(is_blank(value) for value in cells):
            report.blank_rows += 1
            continue
        rows.append(read_row(table.first_row_number + offset, cells, options, table.headers))
    return rows


class _Names:
    """Finds the projects, categories, tags and phases rows name; notes the new and missing."""

    def __init__(
        self,
        plan: Plan,
        lookups: Lookups,
        options: ImportOptions,
        headers: list[str],
        user: User | None,
    ):
        self.plan = plan
        self.lookups = lookups
        self.options = options
        self.headers = headers
        self.user = user
        self.may_create = options.create_missing
        self.may_create_projects = self.may_create and (
            user is None or policy.can_create_projects(user)
        )
        self.missing: dict[str, set[str]] = {
            "projects": set(),
            "phases": set(),
            "categories": set(),
            "tags": set(),
        }
        self.managed: dict[int, bool] = {}  # project id -> may the importer add phases
        self.new_names: dict[str, str] = {}  # lower-case name -> name, of projects to create

    def problem(self, row: Row, target: str, message: str) -> None:
        row.problems.append(
            Problem(row.row, column_label(self.options, self.headers, target), message)
        )

    def project(self, row: Row) -> None:
        if not row.project_ref:
            return
        key = row.project_ref.casefold()
        found = self.lookups.projects.get(key)
        if found is not None:
            pk, code = found
            self.plan.project_ids[code.casefold()] = pk
            self.plan.codes[code.casefold()] = code
            row.project_key = code.casefold()
        elif self.may_create_projects:
            self.new_names.setdefault(key, row.project_ref)
        else:
            self.missing["projects"].add(row.project_ref)
            message = f"unknown project “{row.project_ref}”"
            if self.may_create:
                message += " (only administrators can create projects)"
            self.problem(row, "project", message)

    def new_projects(self, rows: list[Row]) -> None:
        """A code for each project to create, then the rows that name it."""
        taken = {code.casefold() for _, code in self.lookups.projects.values()}
        codes = new_project_codes(list(self.new_names.values()), taken)
        for folded, name in self.new_names.items():
            key = codes[folded].casefold()
            self.plan.new_projects[key] = name
            self.plan.codes[key] = codes[folded]
        for row in rows:
            if not row.project_key and row.project_ref.casefold() in codes:
                row.project_key = codes[row.project_ref.casefold()].casefold()

    def category(self, row: Row) -> None:
        name = row.values.pop("category")
        row.values["category_id"] = None
        if not name:
            return
        known = self.lookups.categories
        pk = known.get(name.casefold()) or known.get(slugify(name).casefold())
        if pk is not None:
            row.values["category_id"] = pk
        elif self.may_create and (self.user is None or policy.can_curate(self.user)):
            self.plan.new_categories.setdefault(name.casefold(), name)
            row.values["category_id"] = name.casefold()
        else:
            self.missing["categories"].add(name)
            self.problem(row, "category", f"unknown category “{name}”")

    def tags(self, row: Row) -> None:
        for tag in row.tags:
            if tag.casefold() in self.lookups.tags:
                continue
            if self.may_create:
                self.plan.new_tags.setdefault(tag.casefold(), tag)
            else:
                self.missing["tags"].add(tag)
                self.problem(row, "tags", f"unknown tag “{tag}”")

    def phase(self, row: Row) -> None:
        """The phase, within the row's project."""
        phase = row.values.pop("phase")
        row.values["phase_id"] = None
        if not phase or not row.project_key:
            return
        project_id = self.plan.project_ids.get(row.project_key)
        folded = phase.casefold()
        if project_id is not None and (project_id, folded) in self.lookups.phases:
            row.values["phase_id"] = self.lookups.phases[(project_id, folded)]
            return
        allowed = self._may_add_phases(project_id)
        if self.may_create and allowed:
            if project_id is not None or folded not in NEW_PROJECT_PHASES:
                self.plan.new_phases.setdefault((row.project_key, folded), phase)
            row.values["phase_id"] = (row.project_key, folded)
            return
        code = self.plan.codes[row.project_key]
        self.missing["phases"].add(f"{phase} ({code})")
        message = f"project {code} has no phase “{phase}”"
        if self.may_create:
            message += " (only its manager or an administrator can add phases)"
        self.problem(row, "phase", message)

    def _may_add_phases(self, project_id: int | None) -> bool:
        """A new project gets the default phases; an existing one's are its manager's."""
        if project_id is None:
            return True
        if project_id not in self.managed:
            project = Project.objects.get(pk=project_id)
            self.managed[project_id] = self.user is None or policy.can_manage_project(
                self.user, project
            )
        return self.managed[project_id]


def _find_duplicates(
    plan: Plan, rows: list[Row], options: ImportOptions, headers: list[str]
) -> None:
    """Mark rows already in Hindsight, or earlier in the file, to be skipped.

    A reference (``external_id``) is unique per project: a second row with the same one in
    a file is an error (two different lessons cannot share it). The same content twice
    (fingerprint) is the same lesson: skipped.
    """
    _repeats_in_file(plan, rows, options, headers)
    _already_there(plan, rows)


def _repeats_in_file(
    plan: Plan, rows: list[Row], options: ImportOptions, headers: list[str]
) -> None:
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
                        column_label(options, headers, "external_id"),
                        f"the reference “{reference}” is already used by row {earlier} "
                        f"for project {plan.codes[row.project_key]}",
                    )
                )
                continue
        earlier = by_print.setdefault(values["import_fingerprint"], row.row)
        if earlier != row.row:
            values["_skip"] = f"the same lesson as row {earlier}"


def _already_there(plan: Plan, rows: list[Row]) -> None:
    """Already in Hindsight: by reference within existing projects, or by fingerprint."""
    known_references = _known_references(plan, rows)
    known_prints = _known_fingerprints(rows)
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


def _known_references(plan: Plan, rows: list[Row]) -> dict[tuple[int, str], int]:
    """The lessons holding the rows' references in their projects: (project, ref) -> id."""
    wanted = [
        (plan.project_ids[row.project_key], row.values["external_id"])
        for row in rows
        if row.project_key in plan.project_ids and row.values.get("external_id")
    ]
    references = sorted({reference for _, reference in wanted})
    project_ids = {project_id for project_id, _ in wanted}
    known: dict[tuple[int, str], int] = {}
    for start in range(0, len(references), BATCH_SIZE):
        for pk, project_id, reference in Lesson.objects.filter(
            project_id__in=project_ids, external_id__in=references[start : start + BATCH_SIZE]
        ).values_list("id", "project_id", "external_id"):
            known[(project_id, reference)] = pk
    return known


def _known_fingerprints(rows: list[Row]) -> dict[str, int]:
    """The lessons with the rows' fingerprints: fingerprint -> id."""
    prints = sorted(
        {row.values["import_fingerprint"] for row in rows if "import_fingerprint" in row.values}
    )
    known: dict[str, int] = {}
    for start in range(0, len(prints), BATCH_SIZE):
        known.update(
            (value, pk)
            for value, pk in Lesson.objects.filter(
                import_fingerprint__in=prints[start : start + BATCH_SIZE]
            ).values_list("import_fingerprint", "id")
        )
    return known


def _sort_out(plan: Plan, rows: list[Row]) -> None:
    """Each row's outcome in the report: an error, skipped, or to create (kept in the plan)."""
    report = plan.report
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
            report.notes.extend(row.notes)
            plan.rows.append(row)


def _to_create(plan: Plan) -> dict[str, list[str]]:
    """The names an import creates (or would create), by kind, sorted."""
    return {
        kind: sorted(names, key=str.casefold)
        for kind, names in (
            (
                "projects",
                [
                    plan.codes[key] if plan.codes[key] == name else f"{plan.codes[key]}: {name}"
                    for key, name in plan.new_projects.items()
                ],
            ),
            (
                "phases",
                [f"{name} ({plan.codes[code]})" for (code, _), name in plan.new_phases.items()],
            ),
            ("categories", plan.new_categories.values()),
            ("tags", plan.new_tags.values()),
        )
        if names
    }
