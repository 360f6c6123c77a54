"""The real NASA lessons log of bench/relevance/ (170 LLIS records, public domain) goes in
whole, and what real records hold that a form would not take is kept another way: a title
longer than a title, a record with only an abstract, a lesson of 40,000 characters."""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings

from lessons.models import TEXT_LIMIT, Lesson
from tests.factories import ProjectFactory
from tests.lessons.transfer.logs import LLIS_HEADER, csv_bytes, import_bytes, llis_rows

REAL_LOG = Path(settings.BASE_DIR) / "bench" / "relevance" / "lessons.csv"


def test_the_real_nasa_log_imports_with_no_problem_row(db, administrator):
    records = list(csv.DictReader(REAL_LOG.open(encoding="utf-8")))
    unnamed = ProjectFactory(code="LLIS")  # for the records that name no program
    report = import_bytes(
        REAL_LOG.read_bytes(), administrator, create_missing=True, default_project=unnamed
    )
    assert report.ok, report.problems[:3]
    assert len(report.created_ids) == len(records) >= 100
    # The one column nothing keeps is named before the import, not dropped without a word.
    assert [column.header for column in report.unimported_columns] == ["Source URL"]
    longest = max(records, key=lambda record: len(record["Lesson(s) Learned"]))
    kept = Lesson.objects.get(external_id=longest["Lesson ID"])
    assert longest["Lesson(s) Learned"] in kept.recommendation


def test_a_subject_longer_than_a_title_is_shortened_and_kept_whole_in_the_summary(
    db, administrator
):
    rows = llis_rows()[:1]
    subject = "Orbiter project is working to reduce outstanding drawing changes, " * 5
    rows[0][1] = subject.strip()
    report = import_bytes(csv_bytes(rows, LLIS_HEADER), administrator, create_missing=True)
    assert report.ok
    (note,) = report.notes
    assert note.column == "Subject" and "the summary begins with the whole" in note.message
    lesson = Lesson.objects.get()
    assert len(lesson.title) <= 200 and lesson.title.endswith("changes…")
    assert lesson.summary.startswith(subject.strip() + "\n\n")


def test_a_record_with_only_an_abstract_takes_it_as_its_lesson(db, administrator):
    rows = llis_rows()[:1]
    rows[0][4] = rows[0][5] = ""  # neither "Lesson(s) Learned" nor "Recommendation(s)"
    report = import_bytes(csv_bytes(rows, LLIS_HEADER), administrator, create_missing=True)
    assert report.ok
    assert [note.message for note in report.notes] == ["empty: the summary is the lesson"]
    lesson = Lesson.objects.get()
    assert lesson.recommendation == "Umbilical release found late in the flow."
    assert lesson.summary == ""


def test_a_long_lesson_goes_in_and_only_one_past_the_limit_is_refused(db, administrator):
    rows = llis_rows()[:2]
    rows[0][5] = "Inspect the umbilical. " * 1800  # about 41,000 characters, as a real record
    rows[1][5] = "x" * (TEXT_LIMIT + 1)
    report = import_bytes(
        csv_bytes(rows, LLIS_HEADER), administrator, dry_run=True, create_missing=True
    )
    assert [(problem.row, "too long" in problem.message) for problem in report.problems] == [
        (3, True)
    ]
