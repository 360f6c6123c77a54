"""The rules of curated checklists (lessons.checklists.rules), called as anyone would call
them, a reader included: citations typed as numbers or addresses, numbering, editing.
"""

from __future__ import annotations

import pytest

from lessons.checklists import rules as checklists
from lessons.checklists.rules import ChecklistError
from lessons.models import ChecklistItem
from tests.factories import ActionFactory, ChecklistItemFactory, LessonFactory
from tests.lessons.checklists.conftest import cited, items, orders, write

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
