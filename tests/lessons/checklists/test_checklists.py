"""Curated checklists on /curation/checklists/, and a completed action's checklist follow-up.

Clara the curator keeps the checklists and writes completed actions into them; Rita the
reader and Colin the contributor are refused every page and every change. The rules are
lessons.checklists', tested as anyone would call them (a reader included), and the pages
are tested through the test client.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from lessons.checklists import rules as checklists
from lessons.checklists.rules import ChecklistError
from lessons.models import Action, Checklist, ChecklistItem, Lesson
from tests.factories import (
    ActionFactory,
    ChecklistFactory,
    ChecklistItemFactory,
    LessonFactory,
)

Status = Lesson.Status


@pytest.fixture
def curating(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def lesson(db, project_b):
    """A published, organisation-wide lesson: everyone signed in sees it."""
    return LessonFactory(project=project_b, title="Book the cutover window early")


@pytest.fixture
def hidden(db, project_b):
    """A restricted lesson: only curators (and its author) see it."""
    return LessonFactory(project=project_b, visibility="restricted", title="Hidden marker lesson")


@pytest.fixture
def checklist(db, erp):
    return ChecklistFactory(name="ERP initiation", project_type=erp, phase_name="Initiation")


def items(checklist: Checklist) -> list[str]:
    return list(checklist.items.order_by("order", "pk").values_list("text", flat=True))


def orders(checklist: Checklist) -> list[int]:
    return list(checklist.items.order_by("order", "pk").values_list("order", flat=True))


def cited(item: ChecklistItem) -> list[int]:
    return sorted(item.source_lessons.values_list("pk", flat=True))


def message_texts(response) -> list[str]:
    """Messages still to show after this response (those of earlier answers not followed
    come first)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def last_message(response) -> str:
    return message_texts(response)[-1]


def text_of(response) -> str:
    """The page as a person reads it (entities such as &#x27; turned back into characters)."""
    return html.unescape(response.content.decode())


def write(checklist: Checklist, *texts: str) -> list[ChecklistItem]:
    return [checklists.add_item(checklist, text=text) for text in texts]


# -- citations ------------------------------------------------------------------------------------


def test_citations_are_read_from_numbers_and_lesson_addresses(curator, lesson, hidden):
    third = LessonFactory()
    typed = f"{lesson.pk}, #{hidden.pk}; /lessons/{third.pk}/\nhttps://hindsight.example/lessons/{lesson.pk}/?x=1"
    result = checklists.parse_citations(typed, curator)
    assert result.errors == []
    assert [found.pk for found in result.lessons] == [lesson.pk, hidden.pk, third.pk]  # once each


def test_each_bad_citation_gets_its_own_message(curator, lesson):
    result = checklists.parse_citations(f"abc {lesson.pk} 999999 /projects/1/", curator)
    assert [found.pk for found in result.lessons] == [lesson.pk]
    assert result.errors == [
        "“abc” is not a lesson: enter its number (such as 123) or its address (such as "
        "/lessons/123/).",
        "“/projects/1/” is not a lesson: enter its number (such as 123) or its address (such "
        "as /lessons/123/).",
        "There is no lesson #999999 that you can see.",
    ]


def test_a_hidden_lesson_is_refused_as_if_it_did_not_exist(reader, lesson, hidden):
    """As a reader would call the service: the message does not tell a hidden lesson exists."""
    result = checklists.parse_citations(f"{lesson.pk}, {hidden.pk}, 999999", reader)
    assert [found.pk for found in result.lessons] == [lesson.pk]
    assert result.errors == [
        f"There is no lesson #{hidden.pk} that you can see.",
        "There is no lesson #999999 that you can see.",
    ]


def test_an_absurdly_long_number_is_refused_without_an_error(curator):
    result = checklists.parse_citations("9" * 40, curator)
    assert result.lessons == [] and len(result.errors) == 1


def test_empty_citations_are_none(curator):
    assert checklists.parse_citations("  , ;  ", curator) == checklists.Citations()


# -- the rules ------------------------------------------------------------------------------------


def test_a_checklist_for_every_type_and_phase_stores_nulls(db):
    created = checklists.create_checklist(name="  Closure   review ", phase_name="  ")
    assert (created.name, created.project_type, created.phase_name) == (
        "Closure review",
        None,
        None,
    )


def test_the_same_checklist_twice_is_refused(checklist, erp):
    with pytest.raises(ChecklistError, match="already a checklist"):
        checklists.create_checklist(
            name="erp initiation", project_type=erp, phase_name="Initiation"
        )
    # The same name for another phase is another checklist.
    checklists.create_checklist(name="ERP initiation", project_type=erp, phase_name="Planning")


def test_items_go_where_asked_and_stay_numbered(checklist):
    write(checklist, "second", "third")
    checklists.add_item(checklist, text="first", position=1)
    checklists.add_item(checklist, text="last", position=99)  # past the end: at the end
    checklists.add_item(checklist, text="between", position=3)
    assert items(checklist) == ["first", "second", "between", "third", "last"]
    assert orders(checklist) == [1, 2, 3, 4, 5]


def test_moving_items_up_and_down(checklist):
    one, two, three = write(checklist, "one", "two", "three")
    assert checklists.move_item(three, "up") is True
    assert items(checklist) == ["one", "three", "two"]
    assert checklists.move_item(one, "down") is True
    assert items(checklist) == ["three", "one", "two"]
    assert checklists.move_item(ChecklistItem.objects.get(pk=three.pk), "up") is False
    assert checklists.move_item(ChecklistItem.objects.get(pk=two.pk), "down") is False
    assert items(checklist) == ["three", "one", "two"] and orders(checklist) == [1, 2, 3]
    with pytest.raises(ChecklistError):
        checklists.move_item(two, "sideways")


def test_moving_repairs_numbers_left_by_the_admin(checklist):
    """Items added in the admin may share a number: the first move numbers them again."""
    first = ChecklistItemFactory(checklist=checklist, text="a", order=1)
    second = ChecklistItemFactory(checklist=checklist, text="b", order=1)
    checklists.move_item(second, "up")
    assert items(checklist) == ["b", "a"] and orders(checklist) == [1, 2]
    assert checklists.move_item(first, "down") is False


def test_deleting_an_item_moves_the_later_ones_up(checklist):
    _, two, _ = write(checklist, "one", "two", "three")
    assert checklists.delete_item(two) == 2
    assert items(checklist) == ["one", "three"] and orders(checklist) == [1, 2]


def test_an_item_needs_text(checklist):
    with pytest.raises(ChecklistError, match="Write the item's text"):
        checklists.add_item(checklist, text="   ")


def test_editing_citations_keeps_those_the_editor_cannot_see(checklist, reader, lesson, hidden):
    """Safe for anyone: a reader replacing an item's citations cannot drop a hidden one."""
    item = ChecklistItemFactory(checklist=checklist, source_lessons=[lesson, hidden])
    other = LessonFactory()
    checklists.update_item(item, text="Reworded", lessons=[other], user=reader)
    assert cited(item) == sorted([other.pk, hidden.pk])


def test_deleting_a_checklist_says_how_many_items_went(checklist, lesson):
    action = ActionFactory(lesson=lesson, target_checklist=checklist)
    write(checklist, "one", "two")
    assert checklists.delete_checklist(checklist) == 2
    assert not ChecklistItem.objects.exists()
    action.refresh_from_db()
    assert action.target_checklist is None


# -- the list page ---------------------------------------------------------------------------------


def test_checklists_are_grouped_by_project_type_or_phase_with_item_counts(curating, checklist):
    ChecklistFactory(name="Every project: closure", phase_name="Closure")
    write(checklist, "one", "two")
    by_type = curating.get("/curation/checklists/")
    assert by_type.status_code == 200
    assert [
        (group.heading, [(c.name, c.item_count) for c in group.checklists])
        for group in by_type.context["groups"]
    ] == [
        ("Every project type", [("Every project: closure", 0)]),
        ("ERP rollout", [("ERP initiation", 2)]),
    ]
    by_phase = curating.get("/curation/checklists/", {"by": "phase"})
    assert [group.heading for group in by_phase.context["groups"]] == ["Closure", "Initiation"]
    assert curating.get("/curation/checklists/", {"by": "nonsense"}).context["by"] == "type"


def test_the_curation_tabs_link_the_checklists(curating):
    assert 'href="/curation/checklists/"' in text_of(curating.get("/curation/"))


def test_a_curator_creates_a_checklist(curating, erp):
    response = curating.post(
        "/curation/checklists/",
        {
            "add-name": "Supplier onboarding",
            "add-project_type": erp.pk,
            "add-phase_name": "Planning",
        },
    )
    created = Checklist.objects.get(name="Supplier onboarding")
    assert response["Location"] == f"/curation/checklists/{created.pk}/"
    assert (created.project_type, created.phase_name) == (erp, "Planning")
    assert message_texts(response) == [
        "The checklist “Supplier onboarding” was added: now write its items."
    ]


def test_a_checklist_without_a_name_keeps_what_was_typed(curating, erp):
    response = curating.post(
        "/curation/checklists/",
        {"add-name": " ", "add-project_type": erp.pk, "add-phase_name": "Planning stage"},
    )
    assert response.status_code == 200
    assert "Give the checklist a name." in text_of(response)
    assert 'value="Planning stage"' in text_of(response)
    assert not Checklist.objects.exists()


def test_an_unknown_project_type_is_a_form_error(curating):
    response = curating.post("/curation/checklists/", {"add-name": "X", "add-project_type": "x9"})
    assert response.status_code == 200
    assert response.context["form"].errors["project_type"]


# -- one checklist ---------------------------------------------------------------------------------


def test_the_checklist_page_lists_items_with_their_lessons_as_links(curating, checklist, lesson):
    ChecklistItemFactory(checklist=checklist, text="Book the window", source_lessons=[lesson])
    page = text_of(curating.get(f"/curation/checklists/{checklist.pk}/"))
    assert "Book the window" in page
    assert f'<a href="/lessons/{lesson.pk}/">#{lesson.pk} Book the cutover window early</a>' in page
    assert "For ERP rollout, Initiation · 1 item" in page


def test_a_curator_edits_a_checklist(curating, checklist):
    response = curating.post(
        f"/curation/checklists/{checklist.pk}/",
        {
            "checklist-name": "Any initiation",
            "checklist-project_type": "",
            "checklist-phase_name": "",
        },
    )
    assert response["Location"] == f"/curation/checklists/{checklist.pk}/"
    checklist.refresh_from_db()
    assert (checklist.name, checklist.project_type, checklist.phase_name) == (
        "Any initiation",
        None,
        None,
    )


def test_renaming_to_a_twin_is_refused_and_the_heading_keeps_the_saved_name(curating, checklist):
    ChecklistFactory(name="Other", project_type=None, phase_name=None)
    response = curating.post(
        f"/curation/checklists/{checklist.pk}/",
        {"checklist-name": "Other", "checklist-project_type": "", "checklist-phase_name": ""},
    )
    assert response.status_code == 200
    assert "There is already a checklist “Other”" in text_of(response)
    assert "<h1>ERP initiation</h1>" in text_of(response)
    checklist.refresh_from_db()
    assert checklist.name == "ERP initiation"


def test_deleting_a_checklist_asks_first_and_says_how_many_items_go(curating, checklist):
    write(checklist, "one", "two", "three")
    url = f"/curation/checklists/{checklist.pk}/delete/"
    confirm = curating.get(url)
    assert confirm.status_code == 200
    assert "Its 3 items go with it" in text_of(confirm)
    assert "Delete the checklist and its 3 items" in text_of(confirm)
    assert Checklist.objects.filter(pk=checklist.pk).exists()  # a GET deletes nothing

    response = curating.post(url)
    assert response["Location"] == "/curation/checklists/"
    assert message_texts(response) == [
        "The checklist “ERP initiation” was deleted with its 3 items."
    ]
    assert not Checklist.objects.exists() and not ChecklistItem.objects.exists()


def test_a_curator_adds_an_item_citing_lessons(curating, checklist, lesson, hidden):
    write(checklist, "first", "second")
    response = curating.post(
        f"/curation/checklists/{checklist.pk}/items/",
        {
            "item-text": "Book it",
            "item-position": "2",
            "item-citations": f"{lesson.pk} /lessons/{hidden.pk}/",
        },
    )
    item = ChecklistItem.objects.get(text="Book it")
    assert response["Location"] == f"/curation/checklists/{checklist.pk}/#item-{item.pk}"
    assert message_texts(response) == ["Item 2 was added to “ERP initiation”."]
    assert items(checklist) == ["first", "Book it", "second"]
    assert cited(item) == sorted([lesson.pk, hidden.pk])  # curators cite any lesson


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"item-citations": "abc, 999999"},
            ["“abc” is not a lesson", "There is no lesson #999999"],
        ),
        ({"item-position": "first"}, ["Enter a whole number"]),
        ({"item-position": "0"}, ["greater than or equal to 1"]),
        ({"item-text": ""}, ["Write the item's text."]),
        ({"item-text": "x" * 2001}, ["at most 2000 characters"]),
    ],
)
def test_a_bad_item_is_shown_again_with_what_was_typed(curating, checklist, data, errors):
    typed = {"item-text": "Book the window", "item-position": "", "item-citations": ""}
    typed.update(data)
    response = curating.post(f"/curation/checklists/{checklist.pk}/items/", typed)
    assert response.status_code == 200
    page = text_of(response)
    for error in errors:
        assert error in page
    if typed["item-text"] and len(typed["item-text"]) < 100:
        assert f"{typed['item-text']}</textarea>" in page
    if typed["item-citations"]:
        assert f'value="{typed["item-citations"]}"' in page
    assert not ChecklistItem.objects.exists()


def test_a_curator_edits_an_items_text_and_citations(curating, checklist, lesson, hidden):
    item = ChecklistItemFactory(checklist=checklist, text="Old", source_lessons=[lesson])
    response = curating.post(
        f"/curation/checklists/{checklist.pk}/items/{item.pk}/",
        {f"item-{item.pk}-text": "New wording", f"item-{item.pk}-citations": f"#{hidden.pk}"},
    )
    assert response["Location"] == f"/curation/checklists/{checklist.pk}/#item-{item.pk}"
    item.refresh_from_db()
    assert item.text == "New wording" and cited(item) == [hidden.pk]


def test_a_bad_edit_keeps_the_text_and_opens_that_item(curating, checklist, lesson):
    item = ChecklistItemFactory(checklist=checklist, text="Old", source_lessons=[lesson])
    response = curating.post(
        f"/curation/checklists/{checklist.pk}/items/{item.pk}/",
        {f"item-{item.pk}-text": "Typed wording", f"item-{item.pk}-citations": "12abc"},
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "“12abc” is not a lesson" in page and "Typed wording</textarea>" in page
    assert '<details class="cl-edit" open>' in page
    item.refresh_from_db()
    assert item.text == "Old" and cited(item) == [lesson.pk]


def test_a_curator_moves_and_deletes_items(curating, checklist):
    one, two, three = write(checklist, "one", "two", "three")
    base = f"/curation/checklists/{checklist.pk}/items"
    moved = curating.post(f"{base}/{three.pk}/move/", {"direction": "up"})
    assert message_texts(moved) == ["Item moved up: it is now number 2."]
    assert items(checklist) == ["one", "three", "two"]
    curating.post(f"{base}/{one.pk}/move/", {"direction": "down"})
    assert items(checklist) == ["three", "one", "two"]
    stuck = curating.post(f"{base}/{two.pk}/move/", {"direction": "down"})
    assert last_message(stuck) == "Item 3 is already the last."
    nonsense = curating.post(f"{base}/{two.pk}/move/", {"direction": "left"})
    assert nonsense.status_code == 302 and last_message(nonsense) == "Move an item up or down."

    deleted = curating.post(f"{base}/{one.pk}/delete/")
    assert deleted["Location"] == f"/curation/checklists/{checklist.pk}/#items"
    assert last_message(deleted) == "Item 2 was deleted; the items after it moved up."
    assert items(checklist) == ["three", "two"] and orders(checklist) == [1, 2]


def test_an_item_of_another_checklist_or_an_unknown_one_is_404(curating, checklist):
    other = ChecklistItemFactory()
    base = f"/curation/checklists/{checklist.pk}/items"
    assert curating.post(f"{base}/{other.pk}/delete/").status_code == 404
    assert curating.post(f"{base}/{other.pk}/move/", {"direction": "up"}).status_code == 404
    assert curating.get("/curation/checklists/999999/").status_code == 404
    assert ChecklistItem.objects.filter(pk=other.pk).exists()


def test_mutations_are_post_only(curating, checklist):
    item = ChecklistItemFactory(checklist=checklist)
    base = f"/curation/checklists/{checklist.pk}/items"
    for url in [
        f"{base}/",
        f"{base}/{item.pk}/",
        f"{base}/{item.pk}/move/",
        f"{base}/{item.pk}/delete/",
    ]:
        assert curating.get(url).status_code == 405, url
    assert ChecklistItem.objects.filter(pk=item.pk).exists()


# -- a completed action's follow-up ---------------------------------------------------------------


@pytest.fixture
def done(lesson, contributor, checklist):
    """Colin's completed action on the lesson, changing the ERP initiation checklist."""
    return ActionFactory(
        lesson=lesson,
        owner=contributor,
        description="Add a cutover-window step",
        status=Action.Status.DONE,
        completed_on=timezone.localdate(),
        target_checklist=checklist,
    )


def follow_up(action: Action) -> str:
    return reverse("curation:action_checklist", args=[action.pk])


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


# -- who may use these pages ----------------------------------------------------------------------


@pytest.fixture
def everything(db, done, checklist, lesson):
    item = ChecklistItemFactory(checklist=checklist, text="Existing", source_lessons=[lesson])
    return {"checklist": checklist, "item": item, "action": done}


def checklist_urls(things: dict) -> list[tuple[str, str, dict]]:
    checklist, item, action = things["checklist"].pk, things["item"].pk, things["action"].pk
    base = f"/curation/checklists/{checklist}"
    return [
        ("get", "/curation/checklists/", {}),
        ("post", "/curation/checklists/", {"add-name": "New one"}),
        ("get", f"{base}/", {}),
        ("post", f"{base}/", {"checklist-name": "Renamed"}),
        ("get", f"{base}/delete/", {}),
        ("post", f"{base}/delete/", {}),
        ("post", f"{base}/items/", {"item-text": "Added"}),
        ("post", f"{base}/items/{item}/", {f"item-{item}-text": "Edited"}),
        ("post", f"{base}/items/{item}/move/", {"direction": "down"}),
        ("post", f"{base}/items/{item}/delete/", {}),
        ("get", f"/curation/actions/{action}/checklist/", {}),
        ("post", f"/curation/actions/{action}/checklist/", {"do": "add", "new-text": "Added"}),
        ("post", f"/curation/actions/{action}/checklist/", {"do": "update", "update-item": item}),
    ]


def snapshot() -> tuple:
    return (
        list(
            Checklist.objects.order_by("pk").values_list("pk", "name", "project_type", "phase_name")
        ),
        list(ChecklistItem.objects.order_by("pk").values_list("pk", "text", "order")),
        list(ChecklistItem.source_lessons.through.objects.order_by("pk").values_list("pk")),
    )


@pytest.mark.parametrize("persona", ["reader", "contributor"])
def test_everyone_but_curators_is_refused_everywhere_and_changes_nothing(
    client, everything, persona, request
):
    """Colin even owns the action: completing it is his, writing the checklist is not."""
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    for method, url, data in checklist_urls(everything):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
        assert "Book the cutover window early" not in text_of(response)
    assert snapshot() == before


def test_signed_out_visitors_are_sent_to_sign_in(client, everything):
    for method, url, data in checklist_urls(everything):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_administrators_keep_checklists_too(client, administrator, everything):
    client.force_login(administrator)
    for method, url, _ in checklist_urls(everything):
        if method == "get":
            assert client.get(url).status_code == 200, url


# -- queries --------------------------------------------------------------------------------------


def fill(checklist: Checklist, count: int, lessons: list[Lesson]) -> None:
    for n in range(count):
        ChecklistItemFactory(checklist=checklist, text=f"Step {n}", source_lessons=lessons)


@pytest.mark.parametrize("size", [1, 12])
def test_the_list_page_runs_a_fixed_number_of_queries(
    curating, erp, lesson, size, django_assert_max_num_queries
):
    for n in range(size):
        checklist = ChecklistFactory(project_type=erp if n % 2 else None, phase_name=f"P{n % 3}")
        fill(checklist, 2, [lesson])
        ActionFactory(lesson=LessonFactory(), status="done", target_checklist=checklist)
    # session, user, roles (curators only), the updates waiting with their lesson, checklist
    # and owner (and their count, once more wait than are shown), checklists with item
    # counts, phase names, the top bar's count of submitted lessons, the form's project types
    with django_assert_max_num_queries(9):
        assert curating.get("/curation/checklists/").status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_the_checklist_page_runs_a_fixed_number_of_queries(
    curating, checklist, size, django_assert_max_num_queries
):
    fill(checklist, size, [LessonFactory() for _ in range(3)])
    # session, user, roles, the checklist, its items, their visible lessons, phase names,
    # the top bar's count of submitted lessons, the project types of the form
    with django_assert_max_num_queries(9):
        assert curating.get(f"/curation/checklists/{checklist.pk}/").status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_the_follow_up_page_runs_a_fixed_number_of_queries(
    curating, done, checklist, size, django_assert_max_num_queries
):
    fill(checklist, size, [LessonFactory() for _ in range(3)])
    # session, user, roles, the action with its lesson, project, checklist and owner, the
    # items, their visible lessons, the top bar's count of submitted lessons
    with django_assert_max_num_queries(7):
        assert curating.get(follow_up(done)).status_code == 200
