"""``manage.py import_lessons FILE``: a dry run, an import, and the problems reported."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lessons.models import Lesson
from projects.models import Project
from tests.lessons.transfer.logs import GSDOP, LLIS_HEADER, MPCV, csv_bytes, llis_rows, rows_for


def test_the_command_checks_imports_and_reports(tmp_path: Path, setting, curator):
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes(rows_for(count=2), delimiter=";", encoding="cp1252"))
    out = io.StringIO()
    call_command("import_lessons", str(path), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "semicolon" in text and "Lesson title -> Title" in text
    assert "Dry run: 2 lessons would be imported as submitted" in text
    assert not Lesson.objects.exists()

    out = io.StringIO()
    call_command("import_lessons", str(path), "--publish", "--user", curator.username, stdout=out)
    assert "Imported 2 lessons as published" in out.getvalue()
    assert Lesson.objects.filter(status="published", reviewed_by=curator).count() == 2

    out = io.StringIO()
    call_command("import_lessons", str(path), stdout=out)
    assert "Imported 0 lessons" in out.getvalue() and "2 already there" in out.getvalue()


def test_the_command_fails_with_the_problems_listed(tmp_path: Path, setting):
    rows = rows_for(count=2)
    rows[0][6] = "Nonexistent"
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 problems"):
        call_command("import_lessons", str(path), stdout=out)
    assert "row 2, Category: unknown category “Nonexistent”" in out.getvalue()
    out = io.StringIO()
    call_command("import_lessons", str(path), "--create-missing", stdout=out)
    assert "created categories: Nonexistent" in out.getvalue()
    assert Lesson.objects.count() == 2


def test_the_command_uses_a_default_project_and_refuses_unknown_files(tmp_path: Path, setting):
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes([["A title", "A lesson"]], ["Title", "Lesson learned"]))
    call_command("import_lessons", str(path), "--project", "prj-a", stdout=io.StringIO())
    assert Lesson.objects.get().project == setting
    with pytest.raises(CommandError, match="No project"):
        call_command("import_lessons", str(path), "--project", "NOPE", stdout=io.StringIO())
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01" * 50 + bytes(range(256)))
    with pytest.raises(CommandError, match="binary"):
        call_command("import_lessons", str(junk), stdout=io.StringIO())


def test_the_command_reports_each_column_and_the_projects_it_will_create(
    tmp_path: Path, administrator
):
    path = tmp_path / "llis.csv"
    path.write_bytes(csv_bytes(llis_rows(), LLIS_HEADER))
    out = io.StringIO()
    call_command(
        "import_lessons", str(path), "--dry-run", "--create-missing", "--user", "adam", stdout=out
    )
    text = out.getvalue()
    assert "  Subject -> Title\n" in text
    assert (
        "  Lesson(s) Learned -> Lesson (what to do next time), joined with Recommendation(s), "
        "each under its heading\n" in text
    )
    assert "  Topic(s) -> Tags, merged with those of Mission Directorate, Submitting" in text
    assert (
        "  Column 'Point of Contact', filled in 4 rows, will not be imported: choose a field "
        "to keep it\n" in text
    )
    assert "--map 'COLUMN=FIELD'" in text
    assert f"  will create project GSDOP: {GSDOP}\n" in text
    assert f"  will create project MPCV: {MPCV}\n" in text
    assert "Dry run: 4 lessons would be imported" in text
    assert not Project.objects.exists()


def test_the_command_keeps_a_column_mapped_by_hand(tmp_path: Path, administrator):
    path = tmp_path / "llis.csv"
    path.write_bytes(csv_bytes(llis_rows(), LLIS_HEADER))
    out = io.StringIO()
    call_command(
        "import_lessons",
        str(path),
        "--create-missing",
        "--user",
        "adam",
        "--map",
        "point of contact=context",
        stdout=out,
    )
    text = out.getvalue()
    assert "will not be imported" not in text and "Imported 4 lessons" in text
    assert f"  created project GSDOP: {GSDOP}\n" in text
    context = Lesson.objects.get(external_id="24801").context
    assert context.endswith("**Point of Contact**\n\nJ. Doe, KSC-NE")
    # Again: nothing new, no second project.
    out = io.StringIO()
    call_command(
        "import_lessons",
        str(path),
        "--create-missing",
        "--map",
        "Point of Contact=context",
        stdout=out,
    )
    assert "4 already there" in out.getvalue() and Project.objects.count() == 3


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("Nope=context", "no such column"),
        ("Point of Contact", "no such column"),
        ("=context", "no such column"),
        ("Point of Contact=owner", "no field 'owner'"),
    ],
)
def test_a_wrong_column_choice_is_explained(tmp_path: Path, db, choice, message):
    path = tmp_path / "llis.csv"
    path.write_bytes(csv_bytes(llis_rows(), LLIS_HEADER))
    with pytest.raises(CommandError, match=message):
        call_command("import_lessons", str(path), "--map", choice, stdout=io.StringIO())
