"""Phase review sessions, capturing: team members add several lessons in one sitting, each a
draft of their own, and the manager records who attended."""

from __future__ import annotations

import pytest

from lessons.models import Category, Lesson
from tests.factories import MembershipFactory
from tests.projects.sessions import add, main_region, text, url

# -- capturing ------------------------------------------------------------------------------------


def test_members_add_several_lessons_in_a_row_each_kept(client, session, contributor, planning):
    client.force_login(contributor)
    titles = ["First lesson of the day", "Second lesson", "Third lesson, on suppliers"]
    for title in titles:
        response = add(client, session, title=title)
        assert response.redirect_chain == [(url(session), 302)]
        assert f"Added &quot;{title}&quot; to the session" in text(response)
        assert not response.context["form"].is_bound  # a fresh, empty form for the next one

    lessons = Lesson.objects.filter(review=session).order_by("pk")
    assert [lesson.title for lesson in lessons] == titles
    for lesson in lessons:
        assert lesson.status == "draft"
        assert lesson.project_id == session.project_id
        assert lesson.phase == planning
        assert lesson.submitted_by == contributor
    assert list(session.attendees.all()) == [contributor]

    page = client.get(url(session))
    assert all(title in text(page) for title in titles)
    assert {lesson.title for lesson in page.context["my_lessons"]} == set(titles)
    assert "3 lessons</strong> you can see" in text(page)


def test_optional_fields_and_tags_are_saved(client, session, contributor):
    client.force_login(contributor)
    add(
        client,
        session,
        summary="Two rehearsals fell in month-end.",
        category=Category.objects.get(slug="schedule").pk,
        tags="data migration, cutover",
        visibility="project",
    )
    lesson = Lesson.objects.get(review=session)
    assert lesson.summary == "Two rehearsals fell in month-end."
    assert lesson.category.slug == "schedule"
    assert sorted(tag.name for tag in lesson.tags.all()) == ["cutover", "data migration"]
    assert lesson.visibility == "project"


def test_a_lesson_with_errors_is_not_added_and_the_typed_text_stays(client, session, contributor):
    client.force_login(contributor)
    typed = "Agree the cutover weekend with the retail team before booking the supplier."
    response = add(
        client, session, title="", recommendation=typed, kind="", tags="x" * 120, summary="Kept"
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "kind", "tags"}
    page = text(response)
    assert typed in page and "Kept" in page
    assert "Please check the form" in page
    assert not Lesson.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 404), ("reader", 404), ("curator", 403)]
)
def test_only_contributors_on_the_team_add_lessons(client, request, db, session, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert add(client, session).status_code == status
    assert not Lesson.objects.exists()


def test_a_team_member_who_is_a_reader_gets_no_form(client, session, reader):
    MembershipFactory(project=session.project, user=reader)
    client.force_login(reader)
    response = client.get(url(session))
    assert response.status_code == 200 and response.context["form"] is None
    assert add(client, session).status_code == 403
    assert not Lesson.objects.exists()


def test_attendees_do_not_see_each_others_drafts(client, session, contributor, colleague):
    client.force_login(colleague)
    add(client, session, title="Draft by Maya about the vendor")
    client.force_login(contributor)
    add(client, session, title="Draft by Colin about testing")

    page = client.get(url(session))
    assert "Draft by Colin about testing" in text(page)
    assert "Draft by Maya" not in text(page)
    assert "1 lesson</strong> you can see" in text(page)  # Maya's draft is not counted either
    assert "2 people attending" in text(page)


def test_a_manager_sees_only_what_the_access_rule_gives_them(
    client, session, manager, contributor, curator
):
    client.force_login(contributor)
    add(client, session, title="Draft by Colin")
    client.force_login(manager)
    assert "Draft by Colin" not in text(client.get(url(session)))
    client.force_login(curator)
    assert "Draft by Colin" in text(client.get(url(session)))


# -- attendance -----------------------------------------------------------------------------------


def test_the_manager_ticks_attendees_and_the_page_lists_them(
    client, session, manager, contributor, colleague
):
    client.force_login(manager)
    response = client.post(url(session, "attendees/"), {"attendees": [contributor.pk, manager.pk]})
    assert response.status_code == 302
    assert set(session.attendees.all()) == {contributor, manager}

    client.force_login(colleague)
    page = client.get(url(session))
    attendees = main_region(page).split('id="attendees-title"')[1]
    assert "Colin Contributor" in attendees and "Pat Manager" in attendees
    assert "Maya Member" not in attendees
    assert "2 people attending" in text(page)


def test_only_team_members_can_be_ticked_and_only_by_the_manager(
    client, session, manager, contributor, outsider
):
    client.force_login(manager)
    client.post(url(session, "attendees/"), {"attendees": [outsider.pk]})
    assert not session.attendees.exists()

    client.force_login(contributor)
    response = client.post(url(session, "attendees/"), {"attendees": [contributor.pk]})
    assert response.status_code == 403
    assert not session.attendees.exists()
