"""Real-shaped logs go in as they are: NASA LLIS records (long program names become projects
with readable codes; "Lesson(s) Learned" and "Recommendation(s)" both kept) and a PRINCE2
lessons log, with every filled column either imported or reported."""

from __future__ import annotations

from lessons.models import Lesson
from lessons.transfer.columns import suggest_mapping
from projects.models import Project
from tests.factories import ProjectFactory
from tests.lessons.transfer.logs import (
    DEBRIS,
    GSDOP,
    LLIS_HEADER,
    MPCV,
    PRINCE2_HEADER,
    csv_bytes,
    import_bytes,
    llis_rows,
    prince2_rows,
)

LLIS = csv_bytes(llis_rows(), LLIS_HEADER)


def test_llis_columns_map_without_hand_editing():
    assert suggest_mapping(LLIS_HEADER) == [
        "external_id",
        "title",
        "summary",
        "context",
        "recommendation",
        "recommendation",
        "context",
        "phase",
        "tags",
        "tags",
        "tags",
        "project",
        "occurred_on",
        None,
    ]


def test_a_prince2_log_maps_without_hand_editing():
    assert suggest_mapping(PRINCE2_HEADER) == [
        "external_id",
        "occurred_on",
        None,  # Logged by: a person
        "kind",
        "title",
        "category",
        "context",
        "summary",
        "root_cause",
        "early_warning",
        "recommendation",
        "impact",
        None,  # Status: a state
    ]


def test_the_dry_run_says_what_happens_to_each_column(db, administrator):
    report = import_bytes(LLIS, administrator, dry_run=True, create_missing=True)
    assert report.ok and report.to_create == 4
    fates = {column.header: column.fate for column in report.columns}
    assert fates["Subject"] == "Title"
    assert fates["Lesson(s) Learned"] == (
        "Lesson (what to do next time), joined with Recommendation(s), each under its heading"
    )
    assert fates["Recommendation(s)"] == (
        "Lesson (what to do next time), joined with Lesson(s) Learned, each under its heading"
    )
    assert fates["Evidence of Recurrence Control Effectiveness"] == (
        "What happened, joined with Driving Event, each under its heading"
    )
    assert fates["Topic(s)"] == (
        "Tags, merged with those of Mission Directorate, Submitting Organization"
    )
    assert fates["Point of Contact"] == "not imported (4 rows filled)"
    assert [column.warning for column in report.unimported_columns] == [
        "Column 'Point of Contact', filled in 4 rows, will not be imported: "
        "choose a field to keep it"
    ]


def test_long_program_names_become_projects_with_readable_unique_codes(db, administrator):
    report = import_bytes(LLIS, administrator, dry_run=True, create_missing=True)
    assert report.created["projects"] == [
        f"GSDOP-2: {DEBRIS}",
        f"GSDOP: {GSDOP}",
        f"MPCV: {MPCV}",
    ]
    assert not Project.objects.exists()

    report = import_bytes(LLIS, administrator, create_missing=True)
    assert report.ok and len(report.created_ids) == 4
    projects = dict(Project.objects.values_list("code", "name"))
    assert projects == {"GSDOP": GSDOP, "MPCV": MPCV, "GSDOP-2": DEBRIS}
    assert Lesson.objects.filter(project__code="GSDOP").count() == 2
    lesson = Lesson.objects.get(external_id="24802")
    assert lesson.project.code == "MPCV" and lesson.phase.name == "Operations"


def test_importing_the_llis_file_again_adds_no_project_and_skips_every_row(db, administrator):
    assert import_bytes(LLIS, administrator, create_missing=True).ok
    again = import_bytes(LLIS, administrator, create_missing=True)
    assert again.ok and again.created_ids == [] and again.skipped == 4
    assert "projects" not in again.created
    assert Project.objects.count() == 3 and Lesson.objects.count() == 4


def test_both_lesson_columns_are_kept_under_their_headings(db, administrator):
    import_bytes(LLIS, administrator, create_missing=True)
    lesson = Lesson.objects.get(external_id="24801")
    assert lesson.recommendation == (
        "**Lesson(s) Learned**\n\n"
        "Learned: inspect umbilical release at every stacking milestone.\n\n"
        "**Recommendation(s)**\n\n"
        "Recommend: add umbilical release to the pre-rollout checklist."
    )
    assert lesson.context == (
        "**Driving Event**\n\n"
        "During integrated testing, umbilical release was found two weeks before rollout.\n\n"
        "**Evidence of Recurrence Control Effectiveness**\n\n"
        "The checklist change caught a repeat in 2022."
    )
    assert lesson.summary == "Umbilical release found late in the flow."  # one column: as it is
    assert sorted(lesson.tags.names()) == [
        "Exploration Systems Development",
        "Ground Operations",
        "KSC",
        "Safety & Mission Assurance",
    ]


def test_a_cell_left_empty_among_joined_columns_leaves_no_empty_heading(db, administrator):
    rows = llis_rows()[:1]
    rows[0][4] = ""  # no "Lesson(s) Learned"
    report = import_bytes(csv_bytes(rows, LLIS_HEADER), administrator, create_missing=True)
    assert report.ok
    assert Lesson.objects.get().recommendation == (
        "**Recommendation(s)**\n\nRecommend: add umbilical release to the pre-rollout checklist."
    )
    rows[0][5] = ""  # and no "Recommendation(s)" either, nor an abstract: no lesson at all
    rows[0][2] = ""
    rows[0][0] = "24899"
    report = import_bytes(csv_bytes(rows, LLIS_HEADER), administrator, dry_run=True)
    (problem,) = [p for p in report.problems if "empty" in p.message]
    assert problem.column == "Lesson(s) Learned + Recommendation(s)"


def test_a_new_code_is_unique_against_the_projects_already_there(db, administrator):
    ProjectFactory(code="mpcv", name="Another vehicle")
    report = import_bytes(LLIS, administrator, create_missing=True)
    assert report.ok
    assert Project.objects.get(name=MPCV).code == "MPCV-2"


def test_only_administrators_may_create_the_long_named_projects(db, curator):
    report = import_bytes(LLIS, curator, dry_run=True, create_missing=True)
    assert not report.ok and not report.created.get("projects")
    assert f"unknown project “{GSDOP}” (only administrators can create projects)" in {
        problem.message for problem in report.problems
    }


def test_a_prince2_log_imports_keeping_its_texts_and_reports_people_and_states(setting, curator):
    data = csv_bytes(prince2_rows(), PRINCE2_HEADER)
    report = import_bytes(data, curator, dry_run=True, default_project=setting)
    assert report.ok and report.to_create == 2
    assert [column.header for column in report.unimported_columns] == ["Logged by", "Status"]
    report = import_bytes(data, curator, default_project=setting)
    assert report.ok
    lesson = Lesson.objects.get(external_id="LL-01")
    assert (lesson.title, lesson.kind, lesson.impact) == (
        "Stage gate 1 slipped",
        "went_wrong",
        "high",
    )
    assert lesson.summary == "The supplier started late."
    assert lesson.context == "The stage 1 gate review was held a week late."
    assert lesson.root_cause == "Nobody owned the gate date."
    assert lesson.early_warning == "Gate papers not circulated a week ahead."
    assert lesson.recommendation == "Name an owner for gate 1's date at stage start."
    assert lesson.category.name == "Procurement"
