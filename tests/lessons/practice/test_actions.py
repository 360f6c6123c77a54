"""Issue 6, items 1 and 2: actions on lessons and applications in later projects."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.models import Action, Application, Lesson
from lessons.practice.services import my_actions, record_application, update_action_status
from projects.models import Membership
from tests.factories import (
    ActionFactory,
    ApplicationFactory,
    LessonFactory,
    MembershipFactory,
    UserFactory,
)


def today():
    return timezone.localdate()


@pytest.fixture
def lesson(db, project_b):
    """A published, organisation-wide lesson of project B: everyone signed in sees it."""
    return LessonFactory(project=project_b, title="Book the cutover window early")


@pytest.fixture
def hidden(db, project_b):
    """A restricted lesson: only curators (and its author) see it."""
    return LessonFactory(project=project_b, visibility="restricted", title="Hidden marker lesson")


def add_action(client, lesson, **data):
    fields = {
        "description": "Add a cutover slot to the plan template",
        "owner": "",
        "due_on": (today() + timedelta(days=14)).isoformat(),
        "impact": "4",
        "effort": "2",
        "target": "Project plan template",
    }
    fields.update(data)
    return client.post(
        reverse("lessons:action_add", args=[lesson.pk]),
        {f"action-{key}": value for key, value in fields.items()},
    )


def set_status(client, action, status):
    return client.post(
        reverse("lessons:action_update", args=[action.lesson_id, action.pk]),
        {f"action-{action.pk}-status": status},
    )


def apply(client, lesson, project, **data):
    fields = {
        "project": project.pk,
        "applied_on": today().isoformat(),
        "how": "Booked the window at kick-off",
        "outcome": "effective",
        "hours_saved": "12.5",
    }
    fields.update(data)
    return client.post(
        reverse("lessons:application_add", args=[lesson.pk]),
        {f"application-{key}": value for key, value in fields.items()},
    )


# -- actions ------------------------------------------------------------------------------------


def test_contributor_adds_an_action_to_a_published_lesson(client, contributor, lesson):
    client.force_login(contributor)
    response = add_action(client, lesson, owner_other="COLIN")
    assert response.status_code == 302
    action = Action.objects.get(lesson=lesson)
    assert action.owner == contributor
    assert (action.impact, action.effort, action.status) == (4, 2, "open")
    assert action.target == "Project plan template"
    page = client.get(response["Location"]).content.decode()
    assert "Action added and assigned to Colin Contributor" in page
    assert "Add a cutover slot to the plan template" in page


def test_an_action_can_be_given_to_someone_else_by_email(client, contributor, reader, lesson):
    client.force_login(contributor)
    assert add_action(client, lesson, owner_other=reader.email.upper()).status_code == 302
    assert Action.objects.get().owner == reader


def test_reader_cannot_add_an_action(client, reader, lesson):
    client.force_login(reader)
    assert add_action(client, lesson, owner_other=reader.username).status_code == 403
    assert not Action.objects.exists()
    assert "Add an action" not in client.get(lesson.get_absolute_url()).content.decode()


def test_actions_are_added_to_published_lessons_only(client, contributor, project_a):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)
    assert add_action(client, draft, owner_other=contributor.username).status_code == 403


def test_an_invalid_action_keeps_what_was_typed(client, contributor, lesson):
    client.force_login(contributor)
    response = add_action(
        client, lesson, owner_other="nobody-here", impact="9", description="Keep this text"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Keep this text" in page
    assert "Please check the form" in page
    assert response.context["action_form"].errors.keys() == {"owner_other", "impact"}
    assert "No active user has that username" in page and 'value="nobody-here"' in page
    assert not Action.objects.exists()


def test_owner_marks_an_action_done_and_reopens_it(client, contributor, lesson):
    action = ActionFactory(lesson=lesson, owner=contributor)
    client.force_login(contributor)
    assert set_status(client, action, "done").status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", today())
    assert set_status(client, action, "in_progress").status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("in_progress", None)


def test_curator_updates_anyones_action(client, curator, contributor, lesson):
    action = ActionFactory(lesson=lesson, owner=contributor)
    client.force_login(curator)
    assert set_status(client, action, "dropped").status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("dropped", None)


def test_someone_else_cannot_update_an_action(client, contributor, reader, lesson):
    action = ActionFactory(lesson=lesson, owner=reader)
    client.force_login(contributor)
    assert set_status(client, action, "done").status_code == 403
    action.refresh_from_db()
    assert action.status == "open"


def test_an_unknown_status_is_refused_on_the_page(client, contributor, lesson):
    action = ActionFactory(lesson=lesson, owner=contributor)
    client.force_login(contributor)
    response = set_status(client, action, "finished")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_action_of_another_lesson_is_404(client, contributor, lesson, project_a):
    other = ActionFactory(lesson=LessonFactory(project=project_a), owner=contributor)
    client.force_login(contributor)
    url = reverse("lessons:action_update", args=[lesson.pk, other.pk])
    assert client.post(url, {f"action-{other.pk}-status": "done"}).status_code == 404


def test_completed_on_is_kept_when_done_again_and_cleared_otherwise(lesson, contributor):
    action = ActionFactory(lesson=lesson, owner=contributor)
    update_action_status(action, "done")
    action.completed_on = today() - timedelta(days=3)
    action.save()
    update_action_status(action, "done")
    assert action.completed_on == today() - timedelta(days=3)
    update_action_status(action, "open")
    assert action.completed_on is None
    with pytest.raises(ValueError):
        update_action_status(action, "finished")


def test_overdue_actions_say_so_on_the_lesson_page_home_and_profile(client, contributor, lesson):
    ActionFactory(
        lesson=lesson, owner=contributor, description="Late one", due_on=today() - timedelta(1)
    )
    ActionFactory(
        lesson=lesson,
        owner=contributor,
        description="Done late",
        due_on=today() - timedelta(1),
        status="done",
    )
    client.force_login(contributor)
    for url in (lesson.get_absolute_url(), "/", "/accounts/profile/"):
        page = client.get(url).content.decode()
        assert page.count('class="badge badge-overdue">Overdue</span>') == 1, url
    home = client.get("/").content.decode()
    assert f'href="{lesson.get_absolute_url()}"' in home


def test_home_lists_only_my_actions_on_lessons_i_can_see(client, contributor, hidden, lesson):
    ActionFactory(lesson=hidden, owner=contributor, description="Hidden action marker")
    ActionFactory(lesson=lesson, owner=contributor, description="Visible action marker")
    client.force_login(contributor)
    for url in ("/", "/accounts/profile/"):
        page = client.get(url).content.decode()
        assert "Visible action marker" in page and "Hidden action marker" not in page


# -- applications --------------------------------------------------------------------------


def test_we_applied_this_records_an_application(client, contributor, lesson, project_a):
    client.force_login(contributor)
    response = apply(client, lesson, project_a)
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.project == project_a
    assert application.applied_by == contributor
    assert application.hours_saved == Decimal("12.5")
    assert application.outcome == "effective"
    page = client.get(response["Location"]).content.decode()
    assert "PRJ-A applied this lesson" in page
    assert "12.5 hours saved" in page
    project_page = client.get(project_a.get_absolute_url()).content.decode()
    assert lesson.title in project_page and "12.5 hours saved" in project_page


def test_negative_hours_are_refused_and_the_text_kept(client, contributor, lesson, project_a):
    client.force_login(contributor)
    response = apply(client, lesson, project_a, hours_saved="-3", how="Typed with care")
    assert response.status_code == 400
    assert list(response.context["application_form"].errors) == ["hours_saved"]
    page = response.content.decode()
    assert "Typed with care" in page
    assert "greater than or equal to 0" in page
    assert not Application.objects.exists()


def test_hours_saved_may_be_left_empty(client, contributor, lesson, project_a):
    client.force_login(contributor)
    assert apply(client, lesson, project_a, hours_saved="").status_code == 302
    assert Application.objects.get().hours_saved is None


def test_only_my_own_projects_can_be_named(client, contributor, lesson, project_b):
    client.force_login(contributor)
    response = apply(client, lesson, project_b)
    assert response.status_code == 400
    assert list(response.context["application_form"].errors) == ["project"]
    assert "Choose one of your own projects" in response.content.decode()
    assert not Application.objects.exists()


def test_a_curator_names_any_project(client, curator, lesson, project_b):
    client.force_login(curator)
    assert apply(client, lesson, project_b).status_code == 302


def test_a_reader_cannot_record_an_application(client, reader, lesson, project_a):
    MembershipFactory(project=project_a, user=reader, role=Membership.Role.MEMBER)
    client.force_login(reader)
    assert apply(client, lesson, project_a).status_code == 403
    assert "We applied this" not in client.get(lesson.get_absolute_url()).content.decode()


def test_record_application_refuses_negative_hours(lesson, contributor, project_a):
    with pytest.raises(ValueError):
        record_application(
            lesson, project=project_a, applied_by=contributor, how="x", hours_saved=Decimal(-1)
        )


# -- what may not be seen ---------------------------------------------------------------------


@pytest.mark.parametrize("what", ["add", "update", "apply"])
def test_every_post_on_an_invisible_lesson_is_404(client, contributor, hidden, project_a, what):
    action = ActionFactory(lesson=hidden, owner=contributor)
    client.force_login(contributor)
    if what == "add":
        response = add_action(client, hidden, owner_other=contributor.username)
    elif what == "update":
        response = set_status(client, action, "done")
    else:
        response = apply(client, hidden, project_a)
    assert response.status_code == 404
    action.refresh_from_db()
    assert action.status == "open"
    assert Action.objects.count() == 1 and not Application.objects.exists()


def test_the_project_page_counts_applications_of_visible_lessons_only(
    client, contributor, hidden, lesson, project_a
):
    ApplicationFactory(lesson=lesson, project=project_a, hours_saved=Decimal("5"))
    ApplicationFactory(lesson=lesson, project=project_a, hours_saved=None)
    ApplicationFactory(
        lesson=hidden, project=project_a, hours_saved=Decimal("100"), how="Secret how marker"
    )
    client.force_login(contributor)
    response = client.get(project_a.get_absolute_url())
    assert response.context["applied"].hours_saved == Decimal("5")
    assert len(response.context["applied"].applications) == 2
    page = response.content.decode()
    assert "2 applications · 5 hours saved" in page
    assert "Hidden marker lesson" not in page and "100" not in page


# -- query counts --------------------------------------------------------------------------------


def test_lesson_page_queries_do_not_grow_with_actions_and_applications(
    client, contributor, lesson, project_a, django_assert_max_num_queries
):
    """A contributor sees both forms; still a fixed number of queries, however many rows."""
    client.force_login(contributor)
    ActionFactory(lesson=lesson, owner=contributor)
    ApplicationFactory(lesson=lesson, project=project_a, applied_by=contributor)
    for n in range(8):
        ActionFactory(lesson=lesson, owner=UserFactory(), due_on=today() - timedelta(days=n))
        ApplicationFactory(lesson=lesson, project=project_a, applied_by=UserFactory())
    # session, user, roles, the lesson; the view count (savepoint, update, upsert, release);
    # my rating; tags (2); related lessons; recurrences; actions with their owners;
    # applications with projects and people; the project choices; checklist items; the
    # action form's owner choices (the team) and its checklists.
    with django_assert_max_num_queries(19):
        assert client.get(lesson.get_absolute_url()).status_code == 200


def test_project_page_queries_do_not_grow_with_applications(
    client, contributor, lesson, project_a, django_assert_max_num_queries
):
    client.force_login(contributor)
    for _ in range(10):
        ApplicationFactory(
            lesson=LessonFactory(project=project_a), project=project_a, applied_by=UserFactory()
        )
    # session, user, the project, roles, membership checks (3), the applications with their
    # lessons and people, phases (2), review sessions, lessons, their tags, members.
    with django_assert_max_num_queries(14):
        assert client.get(project_a.get_absolute_url()).status_code == 200


def test_home_and_profile_queries_do_not_grow_with_actions(
    client, contributor, django_assert_max_num_queries
):
    for n in range(10):
        ActionFactory(owner=contributor, due_on=today() - timedelta(days=n))
    client.force_login(contributor)
    # session, user, roles, my actions with their lessons, recent, tags, most useful.
    with django_assert_max_num_queries(7):
        client.get("/")
    # session, user, roles, my lessons, my actions with their lessons, my projects, my ratings,
    # my API tokens.
    with django_assert_max_num_queries(8):
        client.get("/accounts/profile/")


def test_visible_lessons_only_helper(contributor, hidden, lesson):
    ActionFactory(lesson=hidden, owner=contributor)
    mine = ActionFactory(lesson=lesson, owner=contributor)
    assert list(my_actions(contributor)) == [mine]
    assert Lesson.objects.visible_to(contributor).filter(pk=hidden.pk).count() == 0
