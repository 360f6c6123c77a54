"""What a check or an import found: each row's outcome and each problem, for the person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lessons.models import Lesson

if TYPE_CHECKING:
    from lessons.transfer.columns import ColumnUse

MAX_SHOWN_PROBLEMS = 500
MAX_LISTED_ROWS = 200  # rows to create or skipped, listed on the page


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
    notes: list[Problem] = field(default_factory=list)  # what was done about a cell, to know
    blank_rows: int = 0
    # Names not found in Hindsight, by kind ("projects", "phases", "categories", "tags"):
    # missing = errors; created = created (or to be created, in a dry run).
    missing: dict[str, list[str]] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)
    created_ids: list[int] = field(default_factory=list)
    status: str = Lesson.Status.SUBMITTED
    seconds: float = 0.0
    columns: list[ColumnUse] = field(default_factory=list)  # what happens to each column

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unimported_columns(self) -> list[ColumnUse]:
        """The filled columns no field keeps."""
        return [column for column in self.columns if column.lost]

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
            "unimported_columns": [column.warning for column in self.unimported_columns],
            "seconds": round(self.seconds, 1),
        }
