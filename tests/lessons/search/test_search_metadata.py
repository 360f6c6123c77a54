"""A search finds lessons by their category, project (name or code) and phase, on both
backends, and the index follows every write that changes them (issue 13, part B)."""

from __future__ import annotations

import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from taggit.models import Tag

from lessons import search
from lessons.models import Category, Lesson
from projects.models import Phase, Project
from tests.factories import CategoryFactory, LessonFactory, PhaseFactory, ProjectFactory
from tests.lessons.transfer.logs import csv_bytes, import_bytes, rows_for


def found(query: str) -> list[str]:
    """Titles of the lessons matching ``query``, best first (as the search page ranks)."""
    matches = search.matching(Lesson.objects.all(), query)
    results = search.RankedResults(matches, query, matches.count())
    return [lesson.title for lesson in results[0 : len(results)]]


@pytest.fixture
def communication(db) -> Category:
    return Category.objects.get(slug="communication")


@pytest.fixture
def harbour(db) -> Project:
    return ProjectFactory(code="HBR-2025", name="Harbour Crane Renewal")


def test_a_category_name_finds_the_lessons_of_that_category(communication):
    LessonFactory(title="Weekly status calls went unanswered", category=communication)
    LessonFactory(title="The crane arrived late")
    assert found("Communication") == ["Weekly status calls went unanswered"]
    assert found("communication") == ["Weekly status calls went unanswered"]


def test_a_project_name_or_code_finds_its_lessons(harbour):
    LessonFactory(title="Lifting plan approved twice", project=harbour)
    LessonFactory(title="Lifting plan reused elsewhere")
    # PostgreSQL reads "HBR-2025" as "hbr" and the number "-2025": the code still finds it.
    for query in ("harbour", "Harbour Crane Renewal", "HBR-2025", "hbr-2025", "HBR2025"):
        assert found(query) == ["Lifting plan approved twice"], query


def test_a_phase_name_finds_the_lessons_of_that_phase(harbour):
    commissioning = PhaseFactory(project=harbour, name="Commissioning")
    LessonFactory(title="Snag list kept growing", project=harbour, phase=commissioning)
    LessonFactory(title="Snag list was short", project=harbour)
    assert found("commissioning") == ["Snag list kept growing"]


def test_metadata_combines_with_words_and_every_word_is_still_required(communication, harbour):
    LessonFactory(title="Minutes were never sent", project=harbour, category=communication)
    LessonFactory(title="Minutes were sent on time", category=communication)
    LessonFactory(title="Crane minutes", project=harbour)
    assert found("communication harbour") == ["Minutes were never sent"]
    assert found("minutes communication -harbour") == ["Minutes were sent on time"]


def test_title_ranks_above_tags_and_tags_above_category(communication):
    LessonFactory(title="Other lesson", category=communication)
    LessonFactory(title="Tagged lesson", tags=["communication"])
    LessonFactory(title="Communication plan was missing")
    assert found("communication") == [
        "Communication plan was missing",
        "Tagged lesson",
        "Other lesson",
    ]


# -- the index follows every write ------------------------------------------------------------


def test_renaming_a_category_reindexes_its_lessons(db):
    category = CategoryFactory(name="Logistics", slug="logistics")
    LessonFactory(title="Pallets were short", category=category)
    assert found("logistics") == ["Pallets were short"]
    category.name = "Warehousing"
    category.save()
    assert found("logistics") == []
    assert found("warehousing") == ["Pallets were short"]


def test_renaming_a_project_or_changing_its_code_reindexes_its_lessons(harbour):
    LessonFactory(title="Lifting plan approved twice", project=harbour)
    harbour.name = "Quay Refit"
    harbour.save()
    assert found("harbour") == []
    assert found("quay") == ["Lifting plan approved twice"]
    harbour.code = "QRF-7"
    harbour.save()
    assert found("HBR-2025") == []
    assert found("QRF-7") == ["Lifting plan approved twice"]


def test_saving_a_project_without_renaming_it_leaves_the_index_alone(harbour, monkeypatch):
    LessonFactory(title="Lifting plan approved twice", project=harbour)
    calls = []
    monkeypatch.setattr(search, "index_lessons", lambda ids=None: calls.append(ids))
    harbour.status = Project.Status.CLOSED
    harbour.save()
    harbour.save(update_fields=["status"])
    assert calls == []


def test_renaming_or_deleting_a_phase_reindexes_its_lessons(harbour):
    phase = PhaseFactory(project=harbour, name="Commissioning")
    LessonFactory(title="Snag list kept growing", project=harbour, phase=phase)
    phase.name = "Handover"
    phase.save()
    assert found("commissioning") == []
    assert found("handover") == ["Snag list kept growing"]
    Phase.objects.get(pk=phase.pk).delete()  # the lesson keeps no phase
    assert found("handover") == []
    assert found("snag") == ["Snag list kept growing"]


def test_moving_a_lesson_to_another_category_project_or_phase_reindexes_it(communication, harbour):
    lesson = LessonFactory(title="Snag list kept growing")
    lesson.category = communication
    lesson.project = harbour
    lesson.phase = PhaseFactory(project=harbour, name="Commissioning")
    lesson.save()
    for query in ("communication", "harbour", "commissioning"):
        assert found(query) == ["Snag list kept growing"], query
    assert found("technical") == []


def test_imported_lessons_are_found_by_category_project_and_phase(project_a, curator):
    PhaseFactory(project=project_a, name="Planning")
    for name in ("supplier", "onboarding"):  # the log's keywords: tags that exist
        Tag.objects.create(name=name, slug=name)
    report = import_bytes(csv_bytes(rows_for(count=2)), curator)
    assert len(report.created_ids) == 2, report.problems
    for query in ("procurement", "PRJ-A", "planning"):  # the log's category, project, phase
        assert len(found(query)) == 2, query


def test_generated_lessons_are_found_by_their_project_code(db):
    call_command("seed_demo", lessons=30, stdout=io.StringIO())
    lesson = Lesson.objects.order_by("-pk").select_related("project").first()
    assert lesson.title in found(lesson.project.code)


def test_the_migration_indexes_the_lessons_already_there(communication):
    """A deployed database gets the new index without a manual step."""
    LessonFactory(title="Weekly status calls went unanswered", category=communication)
    with connection.cursor() as cursor:  # the index as it was before: without the category
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE lessons_lesson SET search_vector = to_tsvector(title)")
            # Check the test's rows now, as each migration's transaction would, so that the
            # migration may rebuild an index of the table.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        else:
            cursor.execute("DELETE FROM lessons_lesson_fts")
    assert found("communication") == []

    migration = importlib.import_module("lessons.migrations.0012_search_index_contents")
    with connection.cursor() as cursor:
        migration.forward(apps, SimpleNamespace(connection=connection, execute=cursor.execute))
    assert found("communication") == ["Weekly status calls went unanswered"]
    assert found("weekly status") == ["Weekly status calls went unanswered"]
