"""A completed action's checklist follow-up (/curation/actions/<id>/checklist/): the item it
adds or updates, the list of updates waiting, and the way there from the lesson page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.checklists import rules as checklists
from lessons.checklists.rules import ChecklistError
from lessons.models import Action, ChecklistItem
from tests.factories import ActionFactory, ChecklistItemFactory, LessonFactory
from tests.lessons.checklists.conftest import (
    cited,
    follow_up,
    items,
    last_message,
    message_texts,
    text_of,
    write,
)

# -- a completed action's follow-up ---------------------------------------------------------------


def test_the_follow_up_shows_the_action_its_lesson_and_the_items(curating, done, checklist, lesson):
    ChecklistItemFactory(checklist=checklist, text="Cites it already", source_lessons=[lesson])
    ChecklistItemFactory(checklist=checklist, text="Does not cite it")
    response = curating.get(follow_up(done))
    assert response.status_code == 200
    page = text_of(response)
    assert "Add a cutover-window step" in page
    assert f"#{lesson.pk} Book the cutover window early" in page
    assert page.count("Cites this lesson") == 1
    assert "Already in the checklist:" in page
    form = response.context["add_form"]
    assert form["text"].value() == "Add a cutover-window step"
    assert form["position"].value() == 3  # at the end


def test_the_follow_up_adds_an_item_citing_the_lesson(curating, done, checklist, lesson):
    write(checklist, "one")
    response = curating.post(
        follow_up(done), {"do": "add", "new-text": "Book the cutover window", "new-position": "2"}
    )
    assert response["Location"] == follow_up(done)
    assert message_texts(response) == [
        f"Item 2 was added to “ERP initiation”, citing lesson #{lesson.pk}."
    ]
    item = checklist.items.get(text="Book the cutover window")
    assert item.order == 2 and cited(item) == [lesson.pk]


def test_the_follow_up_updates_an_item_and_cites_the_lesson_once(curating, done, checklist, lesson):
    other = LessonFactory()
    item = ChecklistItemFactory(checklist=checklist, text="Old", source_lessons=[other])
    data = {"do": "update", "update-item": item.pk, "update-text": "Book the window first"}
    response = curating.post(follow_up(done), data)
    assert message_texts(response) == [
        f"Item 1 of “ERP initiation” was updated and now cites lesson #{lesson.pk}."
    ]
    item.refresh_from_db()
    assert item.text == "Book the window first" and cited(item) == sorted([other.pk, lesson.pk])

    again = curating.post(
        follow_up(done), {"do": "update", "update-item": item.pk, "update-text": ""}
    )
    assert last_message(again) == (
        f"Item 1 of “ERP initiation” was updated and already cited lesson #{lesson.pk}."
    )
    item.refresh_from_db()
    assert item.text == "Book the window first"  # empty: the wording is kept
    through = ChecklistItem.source_lessons.through.objects
    assert through.filter(checklistitem=item, lesson=lesson).count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"do": "update", "update-text": "Typed wording"}, "Choose the item to update."),
        ({"do": "update", "update-item": "x", "update-text": "Typed wording"}, "Choose one of"),
        ({"do": "add", "new-text": "", "new-position": "1"}, "Write the item's text."),
        ({"do": "add", "new-text": "Typed wording", "new-position": "one"}, "Enter a whole number"),
    ],
)
def test_a_bad_follow_up_never_fails_and_keeps_the_text(curating, done, checklist, data, error):
    write(checklist, "one")
    response = curating.post(follow_up(done), data)
    assert response.status_code == 200
    page = text_of(response)
    assert error in page
    if data.get("update-text") or data.get("new-text"):
        assert "Typed wording</textarea>" in page
    assert items(checklist) == ["one"]


def test_the_follow_up_refuses_an_item_of_another_checklist(curating, done, checklist):
    elsewhere = ChecklistItemFactory(text="Elsewhere")
    response = curating.post(follow_up(done), {"do": "update", "update-item": elsewhere.pk})
    assert response.status_code == 200
    assert "Choose one of the checklist's items." in text_of(response)
    assert cited(elsewhere) == []


def test_an_action_without_a_checklist_has_no_follow_up(curating, lesson):
    action = ActionFactory(lesson=lesson, status=Action.Status.DONE)
    assert curating.get(follow_up(action)).status_code == 404
    assert curating.get("/curation/actions/999999/checklist/").status_code == 404


def test_the_service_refuses_a_lesson_the_user_cannot_see(reader, hidden, checklist):
    action = ActionFactory(lesson=hidden, target_checklist=checklist)
    with pytest.raises(ChecklistError, match="not one you can see"):
        checklists.add_item_from_action(action, user=reader, text="Sneaky")
    item = ChecklistItemFactory(checklist=checklist)
    with pytest.raises(ChecklistError):
        checklists.update_item_from_action(action, item, user=reader, text="Sneaky")
    assert cited(item) == [] and checklist.items.count() == 1


# -- updates waiting ------------------------------------------------------------------------------


def test_the_waiting_list_holds_done_actions_whose_lesson_is_not_cited(
    curating, done, checklist, lesson
):
    cited_lesson = LessonFactory(title="Already in the checklist")
    ChecklistItemFactory(checklist=checklist, source_lessons=[cited_lesson])
    ActionFactory(lesson=cited_lesson, status="done", target_checklist=checklist)
    ActionFactory(lesson=lesson, status="in_progress", target_checklist=checklist)
    ActionFactory(lesson=lesson, status="done", target_checklist=None)
    # Cited by an item of another checklist: still waiting for this one.
    ChecklistItemFactory(source_lessons=[lesson])

    response = curating.get("/curation/checklists/")
    assert [action.pk for action in response.context["updates_waiting"]] == [done.pk]
    assert response.context["waiting_count"] == 1
    assert f'href="{follow_up(done)}"' in text_of(response)

    curating.post(follow_up(done), {"do": "add", "new-text": "Book it"})
    assert curating.get("/curation/checklists/").context["waiting_count"] == 0


def test_the_waiting_list_shows_the_oldest_and_counts_them_all(curating, checklist):
    today = timezone.localdate()
    for n in range(12):
        ActionFactory(
            lesson=LessonFactory(),
            status="done",
            completed_on=today - timedelta(days=n),
            target_checklist=checklist,
        )
    response = curating.get("/curation/checklists/")
    shown = [action.completed_on for action in response.context["updates_waiting"]]
    assert shown == sorted(shown) and len(shown) == 10 and shown[0] == today - timedelta(days=11)
    assert response.context["waiting_count"] == 12
    assert "The 10 done longest ago of 12" in text_of(response)


def test_the_waiting_list_only_shows_lessons_the_user_may_see(reader, hidden, lesson, checklist):
    ActionFactory(lesson=hidden, status="done", target_checklist=checklist)
    visible = ActionFactory(lesson=lesson, status="done", target_checklist=checklist)
    assert list(checklists.waiting_updates(reader)) == [visible]


# -- the action's status hook on the lesson page --------------------------------------------------


def set_status(client, action, status):
    return client.post(
        reverse("lessons:action_update", args=[action.lesson_id, action.pk]),
        {f"action-{action.pk}-status": status},
    )


def test_a_curator_completing_a_checklist_action_goes_to_the_follow_up(
    client, curator, lesson, checklist
):
    action = ActionFactory(lesson=lesson, target_checklist=checklist)
    client.force_login(curator)
    response = set_status(client, action, "done")
    assert response["Location"] == follow_up(action)
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", timezone.localdate())


def test_an_owner_completing_a_checklist_action_is_told_a_curator_will_add_it(
    client, contributor, lesson, checklist
):
    action = ActionFactory(lesson=lesson, owner=contributor, target_checklist=checklist)
    client.force_login(contributor)
    response = set_status(client, action, "done")
    assert response["Location"] == f"/lessons/{lesson.pk}/#actions"
    assert message_texts(response) == [
        "Action marked done.",
        "A curator will add this to the checklist ERP initiation.",
    ]


def test_other_status_changes_keep_the_usual_way_back(client, curator, lesson, checklist):
    action = ActionFactory(lesson=lesson, target_checklist=checklist)
    plain = ActionFactory(lesson=lesson)
    client.force_login(curator)
    assert set_status(client, action, "in_progress")["Location"] == f"/lessons/{lesson.pk}/#actions"
    assert set_status(client, plain, "done")["Location"] == f"/lessons/{lesson.pk}/#actions"
    action.status, action.completed_on = "done", timezone.localdate()
    action.save()
    # Done already: saying so again is no new completion.
    assert set_status(client, action, "done")["Location"] == f"/lessons/{lesson.pk}/#actions"
