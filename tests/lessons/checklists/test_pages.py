"""The checklist pages of /curation/: the list grouped by project type or phase, one
checklist's page, and its items added, edited, moved and deleted by Clara the curator.
"""

from __future__ import annotations

import pytest

from lessons.models import Checklist, ChecklistItem
from tests.factories import ChecklistFactory, ChecklistItemFactory
from tests.lessons.checklists.conftest import (
    cited,
    items,
    last_message,
    message_texts,
    orders,
    text_of,
    write,
)

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
