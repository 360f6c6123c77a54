"""Kick-off assignments: the manager gives briefing lessons to team members to present, marks
the briefing reviewed, and turns a lesson into an action or a planned application in one click."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CONTRIBUTOR, CURATOR, READER
from lessons.models import Action, Application, Lesson
from projects import services
from projects.models import KickoffAssignment
from tests.factories import (
    LessonFactory,
    MembershipFactory,
    PhaseFactory,
    ProjectFactory,
    UserFactory,
)


@pytest.fixture
def manager(db):
    return UserFactory(username="mia", first_name="Mia", last_name="Manager", role=CONTRIBUTOR)


@pytest.fixture
def member(db):
    return UserFactory(username="mo", first_name="Mo", last_name="Member", role=CONTRIBUTOR)


@pytest.fixture
def kickoff_project(erp, manager, member):
    project = ProjectFactory(code="KO-1", name="New ERP", project_type=erp, manager=manager)
    MembershipFactory(project=project, user=member)
    return project


@pytest.fixture
def old_project(erp):
    return ProjectFactory(code="OLD-ERP", project_type=erp)


@pytest.fixture
def lesson(old_project):
    return LessonFactory(project=old_project, title="Freeze the scope early", impact="high")


def url(name: str, project, *args, query: str = "") -> str:
    return reverse(f"projects:{name}", args=[project.code, *args]) + query


def kickoff_page(client, project, query: str = "") -> str:
    response = client.get(url("kickoff", project, query=query))
    assert response.status_code == 200
    return response.content.decode()


# -- assigning -----------------------------------------------------------------------------------


def test_the_manager_assigns_a_visible_lesson_and_the_member_sees_it_marked(
    client, manager, member, kickoff_project, lesson
):
    client.force_login(manager)
    response = client.post(
        url("kickoff_assign", kickoff_project),
        {"lesson": lesson.pk, "assignee": member.pk, "note": "10 minutes"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url("kickoff", kickoff_project)
    assert "Mo Member presents “Freeze the scope early”" in response.content.decode()
    assignment = KickoffAssignment.objects.get()
    assert (assignment.project, assignment.lesson, assignment.assignee) == (
        kickoff_project,
        lesson,
        member,
    )
    assert assignment.assigned_by == manager and assignment.note == "10 minutes"

    client.force_login(member)
    page = kickoff_page(client, kickoff_project)
    assert "Who presents what" in page
    assert "Assigned to you" in page
    assert "Make it an action for this project" not in page  # no manager tools for members
    assert 'name="assignee"' not in page


def test_reassigning_hands_the_lesson_over_and_unassigning_removes_it(
    client, manager, member, kickoff_project, lesson
):
    client.force_login(manager)
    client.post(
        url("kickoff_assign", kickoff_project), {"lesson": lesson.pk, "assignee": member.pk}
    )
    client.post(
        url("kickoff_assign", kickoff_project), {"lesson": lesson.pk, "assignee": manager.pk}
    )
    assignment = KickoffAssignment.objects.get()
    assert assignment.assignee == manager  # the manager counts as a member

    response = client.post(url("kickoff_unassign", kickoff_project, assignment.pk))
    assert response.status_code == 302
    assert not KickoffAssignment.objects.exists()


def test_a_non_member_assignee_is_refused(client, manager, kickoff_project, lesson):
    outsider = UserFactory(username="olga", first_name="Olga", last_name="Out", role=CONTRIBUTOR)
    client.force_login(manager)

    response = client.post(
        url("kickoff_assign", kickoff_project),
        {"lesson": lesson.pk, "assignee": outsider.pk},
        follow=True,
    )

    assert "Olga Out is not on the KO-1 team" in response.content.decode()
    assert not KickoffAssignment.objects.exists()


def test_an_unknown_or_missing_assignee_is_a_message_not_an_error(
    client, manager, kickoff_project, lesson
):
    client.force_login(manager)
    for assignee in ("", "999999", "abc", "1" * 30):
        response = client.post(
            url("kickoff_assign", kickoff_project),
            {"lesson": lesson.pk, "assignee": assignee},
            follow=True,
        )
        assert "Choose a team member" in response.content.decode()
    assert not KickoffAssignment.objects.exists()


def test_a_lesson_the_assignee_may_not_see_is_refused(db, erp, member, old_project):
    """A curator managing the project sees a restricted lesson; the contributor member does not."""
    curator_manager = UserFactory(username="cato", role=CURATOR)
    project = ProjectFactory(code="KO-2", project_type=erp, manager=curator_manager)
    MembershipFactory(project=project, user=member)
    restricted = LessonFactory(
        project=old_project, title="Restricted one", visibility=Lesson.Visibility.RESTRICTED
    )

    with pytest.raises(services.KickoffError, match="may not see"):
        services.assign_lesson(project, restricted, member, curator_manager)
    assert not KickoffAssignment.objects.exists()


def test_the_lesson_must_be_visible_to_the_manager_too(
    client, manager, member, kickoff_project, old_project
):
    hidden = LessonFactory(project=old_project, visibility=Lesson.Visibility.RESTRICTED)
    with pytest.raises(services.KickoffError, match="cannot see"):
        services.assign_lesson(kickoff_project, hidden, member, manager)

    client.force_login(manager)
    response = client.post(
        url("kickoff_assign", kickoff_project), {"lesson": hidden.pk, "assignee": member.pk}
    )
    assert response.status_code == 404
    assert not KickoffAssignment.objects.exists()


def test_who_presents_what_lists_only_lessons_the_viewer_may_see(db, client, erp, old_project):
    curator_manager = UserFactory(username="cato", role=CURATOR)
    curator_member = UserFactory(username="cleo", role=CURATOR)
    reader_member = UserFactory(username="ray", role=READER)
    project = ProjectFactory(code="KO-3", project_type=erp, manager=curator_manager)
    MembershipFactory(project=project, user=curator_member)
    MembershipFactory(project=project, user=reader_member)
    restricted = LessonFactory(
        project=old_project, title="Secret pricing", visibility=Lesson.Visibility.RESTRICTED
    )
    services.assign_lesson(project, restricted, curator_member, curator_manager)

    client.force_login(curator_manager)
    assert "Secret pricing" in kickoff_page(client, project)
    client.force_login(reader_member)
    page = kickoff_page(client, project)
    assert "Secret pricing" not in page
    assert "No lessons assigned yet" in page


# -- permissions ---------------------------------------------------------------------------------


def test_non_managers_get_403_on_every_post(
    client, member, reader, curator, kickoff_project, lesson
):
    assignment = services.assign_lesson(kickoff_project, lesson, member, kickoff_project.manager)
    urls = [
        url("kickoff_assign", kickoff_project),
        url("kickoff_unassign", kickoff_project, assignment.pk),
        url("kickoff_reviewed", kickoff_project),
        url("kickoff_action", kickoff_project, lesson.pk),
        url("kickoff_plan", kickoff_project, lesson.pk),
    ]
    for user in (member, reader, curator):
        client.force_login(user)
        for address in urls:
            response = client.post(address, {"lesson": lesson.pk, "assignee": member.pk})
            assert response.status_code == 403, (user, address)
            assert client.get(address).status_code == 405
    assert KickoffAssignment.objects.get() == assignment
    assert not Action.objects.exists() and not Application.objects.exists()
    kickoff_project.refresh_from_db()
    assert kickoff_project.briefing_reviewed_at is None


def test_a_lesson_invisible_to_the_manager_is_404(client, manager, kickoff_project, old_project):
    hidden = LessonFactory(project=old_project, visibility=Lesson.Visibility.RESTRICTED)
    client.force_login(manager)
    assert client.post(url("kickoff_action", kickoff_project, hidden.pk)).status_code == 404
    assert client.post(url("kickoff_plan", kickoff_project, hidden.pk)).status_code == 404
    assert client.post(url("kickoff_action", kickoff_project, 999999)).status_code == 404
    assert not Action.objects.exists() and not Application.objects.exists()


def test_an_administrator_manages_any_project(
    client, administrator, member, kickoff_project, lesson
):
    client.force_login(administrator)
    response = client.post(
        url("kickoff_assign", kickoff_project), {"lesson": lesson.pk, "assignee": member.pk}
    )
    assert response.status_code == 302
    assert KickoffAssignment.objects.get().assigned_by == administrator


# -- reviewed, action, plan ----------------------------------------------------------------------


def test_the_manager_marks_the_briefing_reviewed(client, manager, member, kickoff_project):
    client.force_login(manager)
    assert "Mark briefing reviewed" in kickoff_page(client, kickoff_project)

    response = client.post(url("kickoff_reviewed", kickoff_project), follow=True)

    kickoff_project.refresh_from_db()
    assert kickoff_project.briefing_reviewed_by == manager
    assert kickoff_project.briefing_reviewed_at is not None
    assert "marked reviewed" in response.content.decode()
    client.force_login(member)
    page = kickoff_page(client, kickoff_project)
    today = timezone.localtime(kickoff_project.briefing_reviewed_at)
    assert f"by Mia Manager on {today:%-d %b %Y}" in page


def test_one_click_action_creates_exactly_one_action(client, manager, kickoff_project, lesson):
    client.force_login(manager)

    response = client.post(url("kickoff_action", kickoff_project, lesson.pk), follow=True)

    action = Action.objects.get()
    assert action.lesson == lesson and action.owner == manager
    assert action.description == "Apply in KO-1: Freeze the scope early"
    assert action.target == "KO-1"
    assert action.due_on == timezone.localdate() + datetime.timedelta(days=30)
    assert action.status == Action.Status.OPEN
    assert "Action added" in response.content.decode()


def test_one_click_plan_creates_an_application(client, manager, kickoff_project, lesson):
    client.force_login(manager)

    response = client.post(url("kickoff_plan", kickoff_project, lesson.pk), follow=True)

    application = Application.objects.get()
    assert application.lesson == lesson and application.project == kickoff_project
    assert application.applied_by == manager
    assert application.outcome == Application.Outcome.TOO_EARLY
    assert application.how == "Planned at kick-off"
    assert "Planned: KO-1 applies" in response.content.decode()


def test_a_reader_manager_is_told_they_cannot_add_actions(client, erp, lesson, db):
    reader_manager = UserFactory(username="rick", role=READER)
    project = ProjectFactory(code="KO-4", project_type=erp, manager=reader_manager)
    client.force_login(reader_manager)

    page = client.post(url("kickoff_action", project, lesson.pk), follow=True).content.decode()
    assert "Only contributors add actions" in page
    page = client.post(url("kickoff_plan", project, lesson.pk), follow=True).content.decode()
    assert "Only contributors record applications" in page
    assert not Action.objects.exists() and not Application.objects.exists()


def test_the_redirect_keeps_the_phase_query(client, manager, kickoff_project, lesson):
    phase = PhaseFactory(project=kickoff_project, name="Planning")
    client.force_login(manager)
    query = f"?phase={phase.pk}"
    page = kickoff_page(client, kickoff_project, query)
    assert f'/kickoff/reviewed/{query}"' in page  # the forms post back with the phase

    response = client.post(url("kickoff_reviewed", kickoff_project, query=query))
    assert response["Location"] == url("kickoff", kickoff_project, query=query)
    response = client.post(url("kickoff_reviewed", kickoff_project, query="?phase=x&evil=1"))
    assert response["Location"] == url("kickoff", kickoff_project)


# -- the page ------------------------------------------------------------------------------------


def test_the_manager_sees_the_tools_without_inline_style_or_script(
    client, manager, kickoff_project, lesson
):
    client.force_login(manager)
    page = kickoff_page(client, kickoff_project)
    for text in ("Assign to", "Make it an action for this project", "Plan to apply it here"):
        assert text in page
    assert "<script" not in page and " style=" not in page


def test_the_stylesheet_has_the_assignment_block(settings):
    css = (settings.BASE_DIR / "static/css/hindsight.css").read_text()
    block = css[css.index("/* Kick-off assignments */") :]
    assert ".kickoff-card-tools" in block and "@media print" in block


def test_the_managers_page_runs_a_fixed_number_of_queries(
    client, manager, member, kickoff_project, old_project, django_assert_num_queries
):
    def build(n: int) -> None:
        for _ in range(n):
            lesson = LessonFactory(project=old_project)
            extra = UserFactory(role=CONTRIBUTOR)
            MembershipFactory(project=kickoff_project, user=extra)
            services.assign_lesson(kickoff_project, lesson, extra, manager)

    client.force_login(manager)
    build(2)
    # session, user; the project (with its manager and reviewer); roles; the tags to match
    # (own, then the type's common ones); ranked lessons and their tags; checklists; the
    # assignments of visible lessons; the team for the assign menus
    with django_assert_num_queries(11):
        client.get(url("kickoff", kickoff_project))
    build(20)
    with django_assert_num_queries(11):
        client.get(url("kickoff", kickoff_project))
