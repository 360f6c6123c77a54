"""Editing an action after it was created, and picking its owner from the project team.

Personas beyond conftest's: project B has a manager (Maggie) and a member (Milo); Colin
(contributor, project A only) and Clara (curator) are outside it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CONTRIBUTOR
from lessons.models import Action, Checklist, Lesson
from lessons.practice.services import update_action
from projects.models import Membership
from tests.factories import (
    ActionFactory,
    LessonFactory,
    MembershipFactory,
    ProjectTypeFactory,
    UserFactory,
)


def today():
    return timezone.localdate()


@pytest.fixture
def maggie(db, project_b):
    """Project B's manager, named on the project (no Membership row)."""
    user = UserFactory(username="maggie", first_name="Maggie", last_name="Manager")
    project_b.manager = user
    project_b.save()
    return user


@pytest.fixture
def milo(db, project_b):
    user = UserFactory(username="milo", first_name="Milo", last_name="Member", role=CONTRIBUTOR)
    MembershipFactory(project=project_b, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def outsider(db):
    """Oscar is on no project: only the typed fallback can make him an owner."""
    return UserFactory(
        username="oscar", email="oscar@example.org", first_name="Oscar", last_name="Outsider"
    )


@pytest.fixture
def lesson(db, project_b, maggie, milo):
    return LessonFactory(project=project_b, title="Book the cutover window early")


@pytest.fixture
def hidden(db, project_b):
    return LessonFactory(project=project_b, visibility="restricted", title="Hidden marker lesson")


@pytest.fixture
def go_live(db):
    return Checklist.objects.create(
        name="Go-live checklist",
        project_type=ProjectTypeFactory(name="ERP rollout", slug="erp"),
        phase_name="Execution",
    )


@pytest.fixture
def action(lesson, contributor):
    return ActionFactory(
        lesson=lesson,
        owner=contributor,
        description="Add a cutover slot",
        due_on=today() + timedelta(days=7),
        impact=3,
        effort=3,
        target="Plan template",
    )


def edit_url(action) -> str:
    return reverse("lessons:action_edit", args=[action.lesson_id, action.pk])


def edit(client, action, **data):
    fields = {
        "description": action.description,
        "owner": str(action.owner_id or ""),
        "owner_other": "",
        "due_on": action.due_on.isoformat() if action.due_on else "",
        "impact": str(action.impact),
        "effort": str(action.effort),
        "target": action.target,
        "target_checklist": str(action.target_checklist_id or ""),
        "status": action.status,
    }
    fields.update(data)
    return client.post(edit_url(action), {f"action-{key}": value for key, value in fields.items()})


def owner_options(page: str) -> str:
    """The HTML of the owner select, to check who is offered."""
    start = page.index('name="action-owner"')
    return page[start : page.index("</select>", start)]


# -- who may edit -------------------------------------------------------------------------


@pytest.mark.parametrize("editor", ["contributor", "curator"])
def test_the_owner_and_a_curator_edit_every_field(client, request, action, milo, go_live, editor):
    client.force_login(request.getfixturevalue(editor))
    due = today() + timedelta(days=30)
    response = edit(
        client,
        action,
        description="Add a cutover slot and a rollback rehearsal",
        owner=str(milo.pk),
        due_on=due.isoformat(),
        impact="5",
        effort="1",
        target="Cutover runbook",
        target_checklist=str(go_live.pk),
        status="in_progress",
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"{action.lesson.get_absolute_url()}#action-{action.pk}")
    action.refresh_from_db()
    assert action.description == "Add a cutover slot and a rollback rehearsal"
    assert action.owner == milo
    assert (action.due_on, action.impact, action.effort) == (due, 5, 1)
    assert (action.target, action.target_checklist) == ("Cutover runbook", go_live)
    assert (action.status, action.completed_on) == ("in_progress", None)
    page = client.get(response["Location"]).content.decode()
    assert "Action saved." in page
    assert "Go-live checklist" in page  # the row names its checklist


def test_the_edit_page_shows_the_current_values(client, contributor, action, go_live):
    action.target_checklist = go_live
    action.save()
    client.force_login(contributor)
    response = client.get(edit_url(action))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Add a cutover slot" in page and 'value="Plan template"' in page
    assert f'value="{action.due_on.isoformat()}"' in page
    assert f'<option value="{contributor.pk}" selected>' in page
    assert (
        f'<option value="{go_live.pk}" selected>Go-live checklist (ERP rollout, Execution)' in page
    )
    assert '<option value="open" selected>' in page


def test_another_contributor_cannot_edit(client, action, milo):
    client.force_login(milo)  # on the project's team, but not the action's owner
    assert client.get(edit_url(action)).status_code == 403
    assert edit(client, action, description="Hijacked").status_code == 403
    action.refresh_from_db()
    assert action.description == "Add a cutover slot"


def test_a_lesson_one_cannot_see_is_404(client, reader, hidden):
    action = ActionFactory(lesson=hidden, owner=reader)  # even their own action
    client.force_login(reader)
    assert client.get(edit_url(action)).status_code == 404
    assert edit(client, action, description="Changed").status_code == 404
    action.refresh_from_db()
    assert action.description != "Changed"


def test_an_action_of_another_lesson_is_404(client, curator, action, project_a):
    other = LessonFactory(project=project_a)
    client.force_login(curator)
    url = reverse("lessons:action_edit", args=[other.pk, action.pk])
    assert client.get(url).status_code == 404


def test_edit_links_show_only_for_actions_one_may_edit(client, contributor, lesson, action, milo):
    theirs = ActionFactory(lesson=lesson, owner=milo)
    client.force_login(contributor)
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert f'href="{edit_url(action)}"' in page
    assert f'href="{edit_url(theirs)}"' not in page


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_on", "31/02/2026", "Enter a date like 2026-12-31."),
        ("impact", "0", "Select a valid choice."),
        ("impact", "6", "Select a valid choice."),
        ("effort", "6", "Select a valid choice."),
        ("owner_other", "ghost-user", "No active user has that username or e-mail address"),
        ("owner", "999999", "Select a valid choice."),
        ("target_checklist", "999999", "Select a valid choice."),
        ("status", "finished", "Select a valid choice."),
    ],
)
def test_invalid_input_keeps_what_was_typed(client, contributor, action, field, value, message):
    client.force_login(contributor)
    response = edit(client, action, **{field: value, "description": "Keep this text"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    page = response.content.decode()
    assert message in page
    assert "Keep this text" in page
    if field in ("due_on", "owner_other"):
        assert f'value="{value}"' in page
    action.refresh_from_db()
    assert action.description == "Add a cutover slot"


def test_an_inactive_person_cannot_be_typed_in(client, contributor, action, deactivated):
    client.force_login(contributor)
    response = edit(client, action, owner_other=deactivated.username)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["owner_other"]


# -- status and completed_on ----------------------------------------------------------------


def test_done_via_edit_records_the_day_and_reopening_clears_it(client, contributor, action):
    client.force_login(contributor)
    assert edit(client, action, status="done").status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", today())
    assert edit(client, action, status="open").status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("open", None)


def test_done_via_edit_leads_to_the_checklist_follow_up(
    client, contributor, curator, action, go_live
):
    """Completing an action that changes a curated checklist, on the edit page as on the
    lesson page: a curator goes on to write the item; the owner is told a curator will."""
    client.force_login(contributor)
    response = edit(client, action, status="done", target_checklist=str(go_live.pk))
    assert response["Location"] == f"/lessons/{action.lesson_id}/#action-{action.pk}"
    assert "A curator will add this to the checklist Go-live checklist." in [
        str(message) for message in response.wsgi_request._messages
    ]
    action.refresh_from_db()
    edit(client, action, status="open")
    client.force_login(curator)
    action.refresh_from_db()
    response = edit(client, action, status="done")
    assert response["Location"] == reverse("curation:action_checklist", args=[action.pk])
    action.refresh_from_db()
    # Saving it again, done already, is no new completion.
    assert edit(client, action, description="Reworded")["Location"].startswith("/lessons/")


def test_editing_a_done_action_keeps_its_completion_day(client, curator, action):
    earlier = today() - timedelta(days=5)
    Action.objects.filter(pk=action.pk).update(status="done", completed_on=earlier)
    action.refresh_from_db()
    client.force_login(curator)
    assert edit(client, action, description="Reworded").status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on, action.description) == (
        "done",
        earlier,
        "Reworded",
    )


def test_update_action_goes_through_the_status_rule_and_refuses_the_rest(action):
    update_action(action, status="done", impact=5)
    assert (action.status, action.completed_on, action.impact) == ("done", today(), 5)
    update_action(action, target="Kept status")
    action.refresh_from_db()
    assert (action.status, action.completed_on, action.target) == ("done", today(), "Kept status")
    with pytest.raises(ValueError):
        update_action(action, lesson=LessonFactory())
    with pytest.raises(ValueError):
        update_action(action, impact=6)
    with pytest.raises(ValueError):
        update_action(action, status="finished")


# -- the owner picker --------------------------------------------------------------------------


def test_the_picker_offers_the_team_and_me_by_name(client, contributor, lesson, outsider):
    client.force_login(contributor)
    page = client.get(lesson.get_absolute_url()).content.decode()
    options = owner_options(page)
    # Colin (me, selected by default), Maggie (manager), Milo (member), in name order.
    names = ["Nobody yet", "Colin Contributor (you)", "Maggie Manager", "Milo Member"]
    positions = [options.index(name) for name in names]
    assert positions == sorted(positions)
    assert f'<option value="{contributor.pk}" selected>' in options
    assert "Oscar" not in options
    assert "Someone else (username or e-mail)" in page


def test_a_picked_owner_nobody_and_the_typed_fallback_all_work(
    client, contributor, lesson, milo, outsider, go_live
):
    client.force_login(contributor)
    url = reverse("lessons:action_add", args=[lesson.pk])

    def add(**data):
        fields = {"description": "Do it", "impact": "3", "effort": "3", **data}
        response = client.post(url, {f"action-{key}": value for key, value in fields.items()})
        assert response.status_code == 302, response.content.decode()
        return Action.objects.latest("pk")

    picked = add(owner=str(milo.pk), target_checklist=str(go_live.pk))
    assert (picked.owner, picked.target_checklist) == (milo, go_live)
    assert add(owner="").owner is None
    # The typed name wins over the pick: it is how someone outside the team is named.
    assert add(owner=str(milo.pk), owner_other="OSCAR@example.org").owner == outsider
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Go-live checklist" in page and "Oscar Outsider" in page


def test_editing_keeps_an_owner_from_outside_the_team(client, curator, action, outsider):
    client.force_login(curator)
    assert edit(client, action, owner="", owner_other="oscar").status_code == 302
    action.refresh_from_db()
    assert action.owner == outsider
    # Outside the team, yet offered (and selected) on the edit page: saving again keeps him.
    page = client.get(edit_url(action)).content.decode()
    assert f'<option value="{outsider.pk}" selected>Oscar Outsider</option>' in page
    assert edit(client, action, description="Again").status_code == 302
    action.refresh_from_db()
    assert action.owner == outsider


@pytest.mark.parametrize("status", ["published", "draft"])
def test_an_anonymous_lessons_submitter_is_never_offered(
    client, project_b, maggie, milo, curator, outsider, status
):
    """Sam wrote the lesson anonymously and is not on project B's team: no page lists him,
    not even while it is a draft and the lesson row still knows him (curators see drafts)."""
    sam = UserFactory(
        username="samsecret",
        email="sam.secret@example.org",
        first_name="Samwise",
        last_name="Secretive",
        role=CONTRIBUTOR,
    )
    anonymous = LessonFactory(project=project_b, submitted_by=sam, is_anonymous=True, status=status)
    assert Lesson.objects.get(pk=anonymous.pk).submitted_by == (sam if status == "draft" else None)
    action = ActionFactory(lesson=anonymous, owner=milo)
    for viewer in (curator, milo) if status == "published" else (curator,):
        client.force_login(viewer)
        for url in (anonymous.get_absolute_url(), edit_url(action)):
            response = client.get(url)
            assert response.status_code == 200
            page = response.content.decode()
            if url == edit_url(action) or status == "published":  # a picker is on the page
                assert "Maggie Manager" in owner_options(page)
            for trace in ("samsecret", "Samwise", "Secretive", "sam.secret"):
                assert trace not in page, (viewer, url, trace)


# -- queries ------------------------------------------------------------------------------


def test_lesson_page_queries_stay_constant_as_actions_grow(
    client, curator, lesson, go_live, django_assert_max_num_queries
):
    """A curator may edit every row and sees the add form (with its picker) once."""
    client.force_login(curator)
    ActionFactory(lesson=lesson, owner=UserFactory(), target_checklist=go_live)
    client.get(lesson.get_absolute_url())  # warm the session and the role cache
    with CaptureQueriesContext(connection) as few:
        client.get(lesson.get_absolute_url())
    for _ in range(9):
        ActionFactory(lesson=lesson, owner=UserFactory(), target_checklist=go_live)
    # session, user, roles, the lesson; the view count (savepoint, update, upsert, release);
    # my rating; tags (2); related lessons; recurrences; actions with owners and checklists;
    # applications; the application form's projects; checklist items; the action form's
    # owner choices (one query for the team) and checklists; the curation queue's count in
    # the navigation.
    with django_assert_max_num_queries(20):
        response = client.get(lesson.get_absolute_url())
    with CaptureQueriesContext(connection) as many:
        client.get(lesson.get_absolute_url())
    assert response.content.decode().count(">Edit<span") == 10
    assert len(many) == len(few)


def test_the_edit_page_runs_a_fixed_number_of_queries(
    client, curator, action, go_live, django_assert_max_num_queries
):
    client.force_login(curator)
    # session, user, roles, the lesson with its project, the action with owner and checklist,
    # the owner choices, the curation queue's count in the navigation, the checklists.
    with django_assert_max_num_queries(8):
        assert client.get(edit_url(action)).status_code == 200
