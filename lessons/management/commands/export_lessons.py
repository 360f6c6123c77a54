"""Write a full backup of Hindsight: ``export_lessons [--output FILE]``.

The backup's format, and its restore: lessons/transfer/backup.py.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from lessons.transfer.backup import write_backup


class Command(BaseCommand):
    help = (
        "Write a full backup (JSON lines) of lessons, their history, tags, ratings, views, "
        "actions, applications, checklists, projects, users and categories. Restore it into "
        "an empty database with `import_lessons FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="The file to write (default: standard output).")
        parser.add_argument(
            "--include-password-hashes",
            action="store_true",
            help="Keep users' password hashes, so they sign in as before after a restore. "
            "Without it, restored users set a new password. Guard such a file like a "
            "password database.",
        )

    def handle(self, *args, output: str | None, include_password_hashes: bool, **options):
        if not output or output == "-":
            counts = write_backup(sys.stdout, include_passwords=include_password_hashes)
        else:
            target = Path(output)
            # Written beside the target and moved into place: a failed backup never
            # replaces a good one with half a file.
            handle, temporary = tempfile.mkstemp(dir=target.parent or ".", suffix=".partial")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    counts = write_backup(stream, include_passwords=include_password_hashes)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            summary = ", ".join(
                f"{count} {name.split('.')[1]}" for name, count in counts.items() if count
            )
            self.stderr.write(f"Backup written to {target}: {summary}.")
