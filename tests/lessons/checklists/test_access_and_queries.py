"""Who may keep checklists (curators and administrators; readers and contributors are
refused every page and change), and how many queries the checklist pages run.
"""

from __future__ import annotations

import pytest

from lessons.models import Checklist, ChecklistItem, Lesson
from tests.factories import ActionFactory, ChecklistFactory, ChecklistItemFactory, LessonFactory
from tests.lessons.checklists.conftest import follow_up, text_of

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
