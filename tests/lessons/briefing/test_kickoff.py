"""Kick-off briefings (/projects/<code>/kickoff/) and the checklist items a lesson produced."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lessons.briefing import relevance as briefing
from lessons.models import Checklist, ChecklistItem, Lesson
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LessonFactory,
    PhaseFactory,
    ProjectFactory,
    ProjectTypeFactory,
    UserFactory,
)


@pytest.fixture
def finance(db):
    return DepartmentFactory(name="Finance")


@pytest.fixture
def new_project(erp, finance):
    """The project being kicked off: an ERP rollout in Finance."""
    return ProjectFactory(code="NEW-1", name="New ERP", project_type=erp, department=finance)


@pytest.fixture
def same_type_project(erp):
    return ProjectFactory(code="OLD-ERP", project_type=erp, department=DepartmentFactory())


@pytest.fixture
def other_project(db):
    return ProjectFactory(
        code="OTHER", project_type=ProjectTypeFactory(name="Office move", slug="move")
    )


def titles(lessons) -> list[str]:
    return [lesson.title for lesson in lessons]


def kickoff_url(project, **params) -> str:
    url = reverse("projects:kickoff", args=[project.code])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


# -- ranking -------------------------------------------------------------------------------------


def test_a_same_type_high_impact_lesson_outranks_an_other_type_low_one(
    reader, new_project, same_type_project, other_project
):
    LessonFactory(project=other_project, title="Other low", impact="low", tags=["x"])
    LessonFactory(project=same_type_project, title="Same type high", impact="high")

    ranked = briefing.relevant_lessons(new_project, reader)

    assert titles(ranked) == ["Same type high"]  # the other one has nothing in common
    assert ranked[0].reasons == ["Same project type", "High impact"]


def test_shared_tags_count_and_are_named(reader, new_project, other_project):
    LessonFactory(project=new_project, title="Our own", tags=["cutover", "data-migration"])
    LessonFactory(project=other_project, title="One tag", tags=["cutover"])
    LessonFactory(project=other_project, title="Two tags", tags=["cutover", "data-migration"])
    LessonFactory(project=other_project, title="No tag", tags=["catering"])

    ranked = briefing.relevant_lessons(new_project, reader)

    assert titles(ranked) == ["Two tags", "One tag"]
    assert ranked[0].reasons == ["Shares tags: cutover, data-migration"]
    assert ranked[1].reasons == ["Shares tags: cutover"]


def test_without_own_lessons_the_project_types_common_tags_stand_in(
    reader, new_project, same_type_project, other_project
):
    LessonFactory(project=same_type_project, title="Typical", tags=["cutover"])
    LessonFactory(project=same_type_project, title="Typical too", tags=["cutover"])
    LessonFactory(project=other_project, title="Elsewhere with the tag", tags=["cutover"])
    LessonFactory(project=other_project, title="Elsewhere without", tags=["catering"])

    ranked = briefing.relevant_lessons(new_project, reader)

    assert "Elsewhere with the tag" in titles(ranked)
    assert "Elsewhere without" not in titles(ranked)
    assert "Shares tags: cutover" in ranked[-1].reasons


def test_recurring_useful_and_department_lessons_rank_with_their_reasons(
    reader, new_project, finance, other_project
):
    same_department = ProjectFactory(department=finance)
    LessonFactory(project=same_department, title="Same department")
    first = LessonFactory(project=other_project, title="First time")
    LessonFactory(project=other_project, title="Again", recurrence_of=first)
    useful = LessonFactory(project=other_project, title="Useful")
    Lesson.objects.filter(pk=useful.pk).update(rating_count=12, rating_avg=4.5, usefulness=4.1)

    ranked = {lesson.title: lesson for lesson in briefing.relevant_lessons(new_project, reader)}

    assert ranked["Same department"].reasons == ["Same department"]
    assert ranked["First time"].reasons == ["Recurring"]
    assert ranked["Again"].reasons == ["Recurring"]
    assert ranked["Useful"].reasons == ["Rated 4.5 by 12"]


def test_ties_break_deterministically_by_usefulness_then_recency_then_id(
    reader, new_project, same_type_project
):
    now = timezone.now()
    older = LessonFactory(project=same_type_project, title="Older", published_at=now)
    newer = LessonFactory(
        project=same_type_project, title="Newer", published_at=now + datetime.timedelta(days=1)
    )
    twin = LessonFactory(project=same_type_project, title="Twin of older", published_at=now)

    ranked = briefing.relevant_lessons(new_project, reader)

    assert [lesson.pk for lesson in ranked] == [newer.pk, twin.pk, older.pk]


def test_the_projects_own_and_merged_lessons_are_left_out(reader, new_project, same_type_project):
    LessonFactory(project=new_project, title="Our own", impact="critical")
    kept = LessonFactory(project=same_type_project, title="Kept")
    LessonFactory(project=same_type_project, title="Duplicate", merged_into=kept)

    assert titles(briefing.relevant_lessons(new_project, reader)) == ["Kept"]


def test_lessons_the_user_may_not_see_never_appear(
    reader, contributor, new_project, same_type_project, curator
):
    LessonFactory(project=same_type_project, title="Open", impact="critical")
    LessonFactory(project=same_type_project, title="Restricted", visibility="restricted")
    LessonFactory(project=same_type_project, title="Members only", visibility="project")
    LessonFactory(project=same_type_project, title="Draft", status="draft", submitted_by=reader)
    LessonFactory(project=same_type_project, title="Submitted", status="submitted")

    assert titles(briefing.relevant_lessons(new_project, reader)) == ["Open"]
    # Even curators get published lessons only: a briefing is for reading, not curating.
    assert set(titles(briefing.relevant_lessons(new_project, curator))) == {
        "Open",
        "Restricted",
        "Members only",
    }


def test_project_only_lessons_reach_the_projects_members(contributor, project_a, new_project):
    project_a.project_type = new_project.project_type
    project_a.save()
    LessonFactory(project=project_a, title="Members only", visibility="project")
    outsider = UserFactory(role="Reader")

    assert titles(briefing.relevant_lessons(new_project, contributor)) == ["Members only"]
    assert briefing.relevant_lessons(new_project, outsider) == []


def test_tags_of_invisible_own_lessons_are_not_matched(reader, new_project, other_project):
    LessonFactory(project=new_project, visibility="restricted", tags=["secret-topic"])
    LessonFactory(project=other_project, title="Shares the secret tag", tags=["secret-topic"])

    assert briefing.relevant_lessons(new_project, reader) == []


def test_recurrence_through_an_invisible_lesson_is_not_a_reason(reader, new_project, other_project):
    hidden = LessonFactory(project=other_project, visibility="restricted")
    LessonFactory(project=other_project, title="Repeats a hidden one", recurrence_of=hidden)

    assert briefing.relevant_lessons(new_project, reader) == []


def test_the_ranking_runs_in_a_fixed_number_of_queries(
    reader, new_project, same_type_project, django_assert_num_queries
):
    LessonFactory(project=new_project, tags=["cutover"])
    for n in range(5):
        LessonFactory(project=same_type_project, tags=["cutover", f"t{n}"])
    briefing.relevant_lessons(new_project, reader)  # the user's roles, cached on the user
    # 1 the tags of the project's own lessons, 2 the ranked lessons, 3 their tags
    with django_assert_num_queries(3):
        briefing.relevant_lessons(new_project, reader)
    for n in range(20):
        LessonFactory(project=ProjectFactory(), tags=["cutover", f"u{n}"], impact="high")
    with django_assert_num_queries(3):
        assert len(briefing.relevant_lessons(new_project, reader, limit=10)) == 10


# -- grouping ----------------------------------------------------------------------------------


def test_groups_follow_the_phase_order_then_category_name(db, new_project):
    execution = PhaseFactory(project=new_project, name="Execution")
    initiation = PhaseFactory(project=new_project, name="Initiation")
    scope = CategoryFactory(name="Scope", slug="scope")
    budget = CategoryFactory(name="Budget", slug="budget")
    lessons = [
        Lesson(title="a", phase=execution, category=scope),
        Lesson(title="b", phase=None, category=scope),
        Lesson(title="c", phase=initiation, category=scope),
        Lesson(title="d", phase=execution, category=budget),
        Lesson(title="e", phase=execution, category=None),
        Lesson(title="f", phase=execution, category=budget),
    ]

    groups = briefing.group_by_phase_and_category(lessons)

    assert [(g.phase, g.category, titles(g.lessons)) for g in groups] == [
        ("Initiation", "Scope", ["c"]),
        ("Execution", "Budget", ["d", "f"]),
        ("Execution", "Scope", ["a"]),
        ("Execution", "Uncategorised", ["e"]),
        ("No phase recorded", "Scope", ["b"]),
    ]


# -- the page ----------------------------------------------------------------------------------


@pytest.fixture
def many(new_project, same_type_project):
    """Fourteen relevant lessons in two phases: ten at the top, four grouped below."""
    planning = PhaseFactory(project=same_type_project, name="Planning", order=2)
    closure = PhaseFactory(project=same_type_project, name="Closure", order=5)
    for n in range(14):
        LessonFactory(
            project=same_type_project,
            title=f"Ranked lesson {n:02d}",
            phase=planning if n % 2 else closure,
            impact="critical" if n < 10 else "low",
        )


def test_the_page_lists_the_top_ten_then_groups_the_rest(client, reader, new_project, many):
    client.force_login(reader)

    response = client.get(kickoff_url(new_project))

    assert response.status_code == 200
    assert len(response.context["top"]) == 10
    assert all(lesson.impact == "critical" for lesson in response.context["top"])
    groups = response.context["groups"]
    assert [(g.phase, len(g.lessons)) for g in groups] == [("Planning", 2), ("Closure", 2)]
    page = response.content.decode()
    assert "Top 10 to read" in page and "Critical impact" in page and "Same project type" in page
    assert page.index("Top 10 to read") < page.index("More relevant lessons")


def test_the_page_is_for_every_signed_in_user_and_404s_an_unknown_project(
    client, reader, new_project
):
    assert client.get(kickoff_url(new_project)).status_code == 302  # to sign in
    client.force_login(reader)
    response = client.get(kickoff_url(new_project))
    assert response.status_code == 200
    assert "No lessons from earlier projects match" in response.content.decode()
    assert client.get("/projects/NOPE/kickoff/").status_code == 404


def test_the_phase_variant_keeps_lessons_of_phases_of_the_same_name(
    client, reader, new_project, many
):
    own_planning = PhaseFactory(project=new_project, name="Planning", order=2)
    client.force_login(reader)

    response = client.get(kickoff_url(new_project, phase=own_planning.pk))

    shown = response.context["top"] + [
        lesson for group in response.context["groups"] for lesson in group.lessons
    ]
    assert len(shown) == 7
    assert {lesson.phase.name for lesson in shown} == {"Planning"}
    assert "Kick-off briefing: Planning" in response.content.decode()


@pytest.mark.parametrize("phase", ["abc", "99999", "\uff11", "99999999999999999999"])
def test_a_bad_or_foreign_phase_is_404(client, reader, new_project, other_project, phase):
    client.force_login(reader)
    assert client.get(kickoff_url(new_project, phase=phase)).status_code == 404
    foreign = PhaseFactory(project=other_project)
    assert client.get(kickoff_url(new_project, phase=foreign.pk)).status_code == 404


def test_checklists_of_the_project_type_and_of_all_types_are_shown(
    client, reader, new_project, other_project, same_type_project
):
    Checklist.objects.create(name="ERP go-live checklist", project_type=new_project.project_type)
    everyone = Checklist.objects.create(name="Every project checklist")
    Checklist.objects.create(name="Office move checklist", project_type=other_project.project_type)
    ChecklistItem.objects.create(checklist=everyone, text="Second step", order=2)
    ChecklistItem.objects.create(checklist=everyone, text="First step", order=1)
    client.force_login(reader)

    page = client.get(kickoff_url(new_project)).content.decode()

    assert "ERP go-live checklist" in page and "Every project checklist" in page
    assert "Office move checklist" not in page
    assert page.index("First step") < page.index("Second step")


def test_checklist_phase_variant_keeps_that_phase_and_every_phase(client, reader, new_project):
    planning = PhaseFactory(project=new_project, name="Planning")
    Checklist.objects.create(name="Planning list", phase_name="Planning")
    Checklist.objects.create(name="Closure list", phase_name="Closure")
    Checklist.objects.create(name="Any phase list")
    client.force_login(reader)

    page = client.get(kickoff_url(new_project, phase=planning.pk)).content.decode()

    assert "Planning list" in page and "Any phase list" in page and "Closure list" not in page


def test_checklist_items_cite_only_visible_lessons(client, reader, new_project, same_type_project):
    checklist = Checklist.objects.create(name="Go-live", project_type=new_project.project_type)
    cited = ChecklistItem.objects.create(checklist=checklist, text="Rehearse the cutover")
    secret = ChecklistItem.objects.create(checklist=checklist, text="Freeze the scope")
    cited.source_lessons.set(
        [
            LessonFactory(project=same_type_project, title="Open source lesson"),
            LessonFactory(
                project=same_type_project, title="Hidden source", visibility="restricted"
            ),
        ]
    )
    secret.source_lessons.set(
        [LessonFactory(project=same_type_project, title="Only hidden", visibility="restricted")]
    )
    client.force_login(reader)

    page = client.get(kickoff_url(new_project)).content.decode()

    assert "Open source lesson" in page
    assert "Hidden source" not in page and "Only hidden" not in page
    assert "Freeze the scope" in page  # the item's own text still shows


def test_the_page_has_no_inline_style_or_script_and_links_the_stylesheet(
    client, reader, new_project, many
):
    client.force_login(reader)

    page = client.get(kickoff_url(new_project)).content.decode()

    assert "/static/css/hindsight.css" in page
    assert "<script" not in page and "<style" not in page
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)
    assert "Print" in page


def test_the_stylesheet_has_print_rules_for_the_briefing(settings):
    css = (settings.BASE_DIR / "static/css/hindsight.css").read_text()
    kickoff_css = css[css.index("/* Kick-off briefing */") :]
    assert "@media print" in kickoff_css
    assert "break-before: page" in kickoff_css and "attr(data-print-url)" in kickoff_css


def test_the_page_runs_a_fixed_number_of_queries(
    client, reader, new_project, same_type_project, django_assert_num_queries
):
    def build(n: int) -> None:
        phase = PhaseFactory(project=same_type_project)
        checklist = Checklist.objects.create(
            name=f"List {n}", project_type=new_project.project_type
        )
        for i in range(n):
            lesson = LessonFactory(project=same_type_project, phase=phase, tags=[f"t{i}"])
            ChecklistItem.objects.create(checklist=checklist, text=f"Item {i}").source_lessons.add(
                lesson
            )

    client.force_login(reader)
    build(3)
    # session, user; the project; the user's roles; the tags of the project's own lessons,
    # none, so its type's common tags; the ranked lessons and their tags; checklists, their
    # items and the items' visible source lessons; whether the user manages the project and
    # the kick-off assignments of visible lessons (who presents what)
    with django_assert_num_queries(13):
        client.get(kickoff_url(new_project))
    build(25)
    with django_assert_num_queries(13):
        client.get(kickoff_url(new_project))


# -- links from the project page and checklist items on the lesson page -------------------------


def test_the_project_page_links_the_briefing_and_the_current_phase(client, reader, new_project):
    today = timezone.localdate()
    PhaseFactory(
        project=new_project,
        name="Initiation",
        start_date=today - datetime.timedelta(days=30),
        end_date=today - datetime.timedelta(days=1),
    )
    current = PhaseFactory(
        project=new_project,
        name="Planning",
        start_date=today - datetime.timedelta(days=1),
        end_date=today + datetime.timedelta(days=30),
    )
    client.force_login(reader)

    page = client.get(new_project.get_absolute_url()).content.decode()

    assert f'href="{kickoff_url(new_project)}"' in page
    assert f'href="{kickoff_url(new_project)}?phase={current.pk}"' in page
    assert "Lessons for this phase (Planning)" in page


def test_the_project_page_has_no_phase_link_between_phases(client, reader, new_project):
    PhaseFactory(project=new_project, name="Planning")  # no dates
    client.force_login(reader)

    page = client.get(new_project.get_absolute_url()).content.decode()

    assert "Kick-off briefing" in page and "Lessons for this phase" not in page


def test_the_lesson_page_lists_the_checklist_items_citing_it(client, reader, new_project):
    lesson = LessonFactory(project=new_project)
    checklist = Checklist.objects.create(
        name="ERP go-live", project_type=new_project.project_type, phase_name="Execution"
    )
    ChecklistItem.objects.create(checklist=checklist, text="Rehearse twice").source_lessons.add(
        lesson
    )
    ChecklistItem.objects.create(checklist=checklist, text="Not from this lesson")
    client.force_login(reader)

    page = client.get(lesson.get_absolute_url()).content.decode()

    assert "Checklist items that came from this lesson" in page
    assert "Rehearse twice" in page and "ERP go-live" in page and "ERP rollout" in page
    assert "Execution" in page
    assert "Not from this lesson" not in page


def test_the_lesson_page_lists_checklist_items_in_a_fixed_number_of_queries(
    client, reader, new_project, django_assert_num_queries
):
    lesson = LessonFactory(project=new_project)
    client.force_login(reader)

    def cite(n: int) -> None:
        checklist = Checklist.objects.create(
            name=f"List {n}", project_type=ProjectTypeFactory() if n % 2 else None
        )
        for i in range(n):
            ChecklistItem.objects.create(checklist=checklist, text=f"Item {i}").source_lessons.add(
                lesson
            )

    cite(1)
    client.get(lesson.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(lesson.get_absolute_url())
    cite(9)
    with django_assert_num_queries(len(few)):
        page = client.get(lesson.get_absolute_url()).content.decode()
    assert page.count("Item ") == 10


def test_the_lesson_page_says_when_no_checklist_cites_it(client, reader, new_project):
    lesson = LessonFactory(project=new_project)
    client.force_login(reader)
    assert (
        "No checklist cites this lesson yet"
        in client.get(lesson.get_absolute_url()).content.decode()
    )
