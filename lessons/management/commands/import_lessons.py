"""Import a lessons log (CSV or XLSX), or restore a backup: ``import_lessons FILE``.

A Hindsight backup (written by ``export_lessons``) is recognised by its first line and
restored into an empty database (lessons/transfer/backup.py). Anything else is read as a
lessons log, its columns matched automatically (``--map COLUMN=FIELD`` changes a match),
and imported all or nothing (lessons/transfer/writing.py). The output says what happens to
each column, as the import page does: its field, the columns it is joined with, or that it
is filled but not imported."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Model, QuerySet

from accounts.models import User
from lessons.models import Lesson
from lessons.transfer import backup, reading
from lessons.transfer.columns import TARGETS, ImportOptions, normalise_header, suggest_mapping
from lessons.transfer.report import ImportReport
from lessons.transfer.writing import run_import
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Import lessons from a CSV or XLSX lessons log (columns matched automatically; "
        "nothing is imported if any row has a problem), or restore a backup written by "
        "export_lessons into an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A CSV or XLSX lessons log, or a Hindsight backup.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report; write nothing."
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Create the projects, phases, categories and tags the file names that "
            "Hindsight does not know yet.",
        )
        parser.add_argument("--project", metavar="CODE", help="The project of rows that name none.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the lessons at once (default: submitted, for curators to review).",
        )
        parser.add_argument("--sheet", help="The sheet of an XLSX workbook (default: the first).")
        parser.add_argument("--encoding", help="The CSV file's encoding (default: detected).")
        parser.add_argument(
            "--kind",
            choices=Lesson.Kind.values,
            default=Lesson.Kind.IMPROVEMENT,
            help="The kind of rows that give none (default: improvement).",
        )
        parser.add_argument(
            "--visibility",
            choices=Lesson.Visibility.values,
            default=Lesson.Visibility.ORGANISATION,
            help="The visibility of rows that give none (default: organisation).",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="The field of a column, instead of the one matched (repeatable), e.g. "
            "--map 'Logged by=context'. FIELD is one of "
            f"{', '.join(TARGETS)}, or 'ignore'. Several columns may go to one text field "
            "(summary, context, root_cause, recommendation, early_warning: kept under their "
            "headings) or to tags.",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Who imports: named in the lessons' history (and as reviewer when publishing).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if backup.is_backup_file(path):
            self._restore(path, options)
        else:
            self._import(path, options)

    def _restore(self, path: Path, options) -> None:
        if options["dry_run"]:
            raise CommandError("A backup is restored as a whole: --dry-run does not apply.")
        self.stdout.write(f"{path} is a Hindsight backup: restoring it.")
        try:
            counts = backup.restore_backup(path, stdout=self.stdout)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {counts.get('lessons.lesson', 0)} lessons and everything around them."
            )
        )

    def _import(self, path: Path, options) -> None:
        user = project = None
        if options["user"]:
            user = _existing(
                User.objects.filter(username=options["user"]),
                f"No user called {options['user']!r}.",
            )
        if options["project"]:
            project = _existing(
                Project.objects.filter(code__iexact=options["project"]),
                f"No project with the code {options['project']!r}.",
            )
        try:
            table = reading.read_table(
                path.read_bytes(),
                path.name,
                sheet=options["sheet"],
                encoding=options["encoding"],
            )
        except reading.ImportFileError as error:
            raise CommandError(f"{path.name}: {error}") from None
        mapping = _chosen_mapping(table.headers, options["map"])
        self.stdout.write(f"{path.name}: {table.description}, {len(table.rows)} rows.")
        report = run_import(
            table,
            ImportOptions(
                mapping=mapping,
                filename=path.name,
                default_project=project,
                default_kind=options["kind"],
                default_visibility=options["visibility"],
                publish=options["publish"],
                create_missing=options["create_missing"],
            ),
            user,
            dry_run=options["dry_run"],
        )
        self._report(report)

    def _columns(self, report: ImportReport) -> None:
        """What happens to each column; the filled ones no field keeps, and how to keep them."""
        for column in report.columns:
            if column.lost:
                self.stdout.write(self.style.WARNING(f"  {column.warning}"))
            else:
                self.stdout.write(f"  {column.header} -> {column.fate}")
        if report.unimported_columns:
            self.stdout.write(
                "  To keep a column, choose its field with --map 'COLUMN=FIELD' (a text "
                "field keeps it under its heading)."
            )

    def _report(self, report: ImportReport) -> None:
        """The columns, every problem and created name, then the figures; fails if anything
        is wrong."""
        self._columns(report)
        for note in report.notes:
            self.stdout.write(f"  row {note.row}, {note.column}: {note.message}")
        for problem in report.problems:
            where = f"row {problem.row}" if problem.row else "file"
            column = f", {problem.column}" if problem.column else ""
            self.stdout.write(f"  {where}{column}: {problem.message}")
        verb = "will create" if report.dry_run else "created" if report.ok else "would create"
        for kind, names in report.created.items():
            if kind == "projects":  # a name may hold commas: one a line
                for name in names:
                    self.stdout.write(f"  {verb} project {name}")
            else:
                self.stdout.write(f"  {verb} {kind}: {', '.join(names)}")
        figures = (
            f"{report.skipped} already there (skipped), {report.blank_rows} blank rows, "
            f"{report.with_errors} rows with problems"
        )
        if not report.ok:
            raise CommandError(f"Nothing imported: {len(report.problems)} problems ({figures}).")
        if report.dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {report.to_create} lessons would be imported as {report.status} "
                    f"({figures}). Nothing was written."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {len(report.created_ids)} lessons as {report.status} "
                    f"({figures}) in {report.seconds:.1f} s."
                )
            )


def _chosen_mapping(headers: list[str], choices: list[str]) -> list[str | None]:
    """The matched field of each column, changed by the ``--map COLUMN=FIELD`` choices."""
    mapping = suggest_mapping(headers)
    by_name = {normalise_header(header): position for position, header in enumerate(headers)}
    for choice in choices:
        column, equals, target = choice.rpartition("=")
        name = normalise_header(column)
        position = by_name.get(name) if equals and name else None
        if position is None:
            raise CommandError(
                f"--map {choice!r}: no such column. Give COLUMN=FIELD with one of the "
                f"file's columns: {', '.join(headers)}."
            )
        target = target.strip().casefold()
        if target not in TARGETS and target not in ("ignore", ""):
            raise CommandError(
                f"--map {choice!r}: no field {target!r}. Fields: {', '.join(TARGETS)}, or ignore."
            )
        mapping[position] = target if target in TARGETS else None
    return mapping


def _existing(queryset: QuerySet[Model], missing: str) -> Model:
    """The first object a command-line option names; the command fails if there is none."""
    found = queryset.first()
    if found is None:
        raise CommandError(missing)
    return found
