"""Importing again creates no duplicates: by reference within a project, or by content,
against Hindsight and earlier rows of the same file, also for an export re-imported."""

from __future__ import annotations

from lessons.models import Lesson
from tests.factories import LessonFactory, PhaseFactory
from tests.lessons.transfer.logs import HEADER, csv_bytes, import_bytes, rows_for


def test_importing_the_same_file_again_creates_nothing(setting, curator):
    data = csv_bytes(rows_for(count=5))
    assert len(import_bytes(data, curator).created_ids) == 5
    again = import_bytes(data, curator)
    assert again.ok and again.created_ids == [] and again.skipped == 5
    assert all("already there, skipped" in row.note for row in again.rows)
    assert Lesson.objects.count() == 5
    # The same lessons without references are recognised by their content.
    unreferenced = [row[1:] for row in rows_for(count=5)]
    again = import_bytes(csv_bytes(unreferenced, HEADER[1:]), curator)
    assert again.skipped == 5 and Lesson.objects.count() == 5


def test_a_longer_version_of_a_file_adds_only_the_new_rows(setting, curator):
    import_bytes(csv_bytes(rows_for(count=3)), curator)
    report = import_bytes(csv_bytes(rows_for(count=5)), curator)
    assert (len(report.created_ids), report.skipped) == (2, 3)
    assert Lesson.objects.count() == 5


def test_the_same_reference_twice_in_a_file_is_an_error_and_the_same_lesson_is_skipped(
    setting, curator
):
    rows = rows_for(count=2)
    rows[1][0] = rows[0][0]  # a second, different lesson with the first one's reference
    report = import_bytes(csv_bytes(rows), curator, dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(3, "Ref")]
    assert "already used by row 2" in report.problems[0].message
    same = [row[1:] for row in rows_for(count=1)] * 2
    report = import_bytes(csv_bytes(same, HEADER[1:]), curator)
    assert report.ok and len(report.created_ids) == 1 and report.skipped == 1
    assert report.rows[1].note == "the same lesson as row 2"


def test_references_are_unique_per_project_not_across_projects(setting, project_b, curator):
    PhaseFactory(project=project_b, name="Planning", order=2)
    rows = rows_for(count=1) + rows_for(project="PRJ-B", count=1)
    report = import_bytes(csv_bytes(rows), curator)
    assert report.ok and len(report.created_ids) == 2
    assert Lesson.objects.filter(external_id="L-001").count() == 2


def test_an_export_imports_elsewhere_without_duplicates(client, setting, curator, project_b):
    LessonFactory(title="Exported once", project=setting, tags=["supplier"])
    client.force_login(curator)
    exported = b"".join(client.get("/lessons/export.csv").streaming_content)
    Lesson.objects.all().delete()
    first = import_bytes(exported, curator)
    assert first.ok and len(first.created_ids) == 1
    again = import_bytes(exported, curator)
    assert again.skipped == 1 and Lesson.objects.count() == 1
