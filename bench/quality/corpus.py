"""The relevance set in a fresh database: its people, its records imported as a curator
would import them, and its graded queries (bench/relevance/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import ADMINISTRATOR, READER
from lessons.transfer.columns import ImportOptions, suggest_mapping
from lessons.transfer.reading import read_table
from lessons.transfer.report import ImportReport
from lessons.transfer.writing import run_import
from projects.models import Department, Project, ProjectType

RELEVANCE = Path(__file__).resolve().parent.parent / "relevance"
LESSONS_CSV = RELEVANCE / "lessons.csv"
QUERIES_JSON = RELEVANCE / "queries.json"
UNNAMED_CODE = "LLIS"  # the project of the records that name no program


@dataclass(frozen=True)
class Query:
    """A graded query: its text, its kind, and its records' grades (Lesson ID -> 1..3)."""

    id: str
    text: str
    kind: str
    grades: dict[str, int]


def load_queries(path: Path = QUERIES_JSON) -> list[Query]:
    """The queries of ``queries.json``, in file order."""
    entries = json.loads(path.read_text(encoding="utf-8"))["queries"]
    return [
        Query(entry["id"], entry["text"], entry["kind"], dict(entry["relevant"]))
        for entry in entries
    ]


def create_person(username: str, role: str) -> User:
    """A person in one of the four roles (the groups the migrations made)."""
    person = User.objects.create_user(username=username, email=f"{username}@example.org")
    person.groups.add(Group.objects.get(name=role))
    return person


def create_people() -> tuple[User, User]:
    """The administrator who imports the log, and the reader who searches it."""
    return create_person("administrator", ADMINISTRATOR), create_person("reader", READER)


def create_unnamed_project() -> Project:
    """The project for records whose ``Project / Program`` is empty."""
    project_type, _ = ProjectType.objects.get_or_create(
        slug="unspecified", defaults={"name": "Unspecified"}
    )
    department, _ = Department.objects.get_or_create(name="Unspecified")
    return Project.objects.create(
        code=UNNAMED_CODE,
        name="NASA LLIS records naming no program",
        project_type=project_type,
        department=department,
        status=Project.Status.CLOSED,
    )


def import_log(administrator: User, project: Project, path: Path = LESSONS_CSV) -> ImportReport:
    """Import the log through the importer, columns as it suggests, published.

    Raises ``SystemExit`` naming the first problems if any row has one: the figures would
    otherwise be about fewer records than the grades.
    """
    table = read_table(path.read_bytes(), path.name)
    options = ImportOptions(
        mapping=suggest_mapping(table.headers),
        filename=path.name,
        default_project=project,
        publish=True,
        create_missing=True,
    )
    report = run_import(table, options, administrator, dry_run=False)
    if not report.ok:
        first = "; ".join(f"row {p.row} {p.column}: {p.message}" for p in report.problems[:5])
        raise SystemExit(f"{path.name} has {len(report.problems)} problem rows: {first}")
    if len(report.created_ids) != len(table.rows):
        raise SystemExit(f"{len(report.created_ids)} lessons created from {len(table.rows)} rows")
    return report


def column_lines(report: ImportReport) -> list[str]:
    """What the import did with each column, a line each."""
    width = max(len(column.header) for column in report.columns)
    return [f"  {column.header:<{width}}  -> {column.fate}" for column in report.columns]
