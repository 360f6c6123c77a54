"""The table of transitions (lessons.workflow.TRANSITIONS) is the one place that says which
transitions a lesson may take: for every status, the curators' review page offers exactly
the table's transitions and accepts exactly those, and so does the API (409 for the others);
what a transition needs is asked for on both.
"""

from __future__ import annotations

import html
import json

import pytest

from lessons.workflow import (
    COMMENT,
    INTO,
    REASON,
    REVIEW_DUE,
    TRANSITIONS,
    Place,
    Transition,
    Who,
)
from tests.factories import LessonFactory
from tests.lessons.workflow.conftest import Status, lesson_by, snapshot

ON_THE_PAGE = [t for t in TRANSITIONS.values() if Place.REVIEW_PAGE in t.offered_on]
NAMES = [transition.name for transition in TRANSITIONS.values()]

# The table written out once more: changing a rule must be meant, here as there.
# name -> (statuses it starts from, status it ends in, who makes it, needs: required?, offered on)
EXPECTED = {
    "submit": ({Status.DRAFT}, Status.SUBMITTED, Who.AUTHOR, {}, {Place.API}),
    "approve": (
        {Status.SUBMITTED},
        Status.PUBLISHED,
        Who.CURATORS,
        {REVIEW_DUE: False},
        {Place.REVIEW_PAGE, Place.API},
    ),
    "reject": (
        {Status.SUBMITTED},
        Status.REJECTED,
        Who.CURATORS,
        {REASON: True},
        {Place.REVIEW_PAGE, Place.API},
    ),
    "send_back": (
        {Status.SUBMITTED},
        Status.DRAFT,
        Who.CURATORS,
        {COMMENT: True},
        {Place.REVIEW_PAGE, Place.API},
    ),
    "archive": (
        {Status.PUBLISHED},
        Status.ARCHIVED,
        Who.CURATORS,
        {REASON: False},
        {Place.REVIEW_PAGE, Place.API},
    ),
    "unarchive": (
        {Status.ARCHIVED},
        Status.PUBLISHED,
        Who.CURATORS,
        {REASON: False},
        {Place.REVIEW_PAGE, Place.API},
    ),
    "still_valid": (
        {Status.PUBLISHED},
        Status.PUBLISHED,
        Who.CURATORS,
        {REVIEW_DUE: False},
        {Place.REVIEW_PAGE},
    ),
    "merge": (
        {Status.SUBMITTED, Status.PUBLISHED, Status.REJECTED, Status.ARCHIVED},
        Status.ARCHIVED,
        Who.CURATORS,
        {INTO: True, REASON: False},
        {Place.REVIEW_PAGE},
    ),
}


def test_the_table_holds_every_transition_with_its_rules():
    assert {
        t.name: (
            set(t.starts_from),
            t.ends_in,
            t.who,
            {need.name: need.required for need in t.needs},
            set(t.offered_on),
        )
        for t in TRANSITIONS.values()
    } == EXPECTED


def page_data(transition: Transition, kept, *, leave_out: str = "") -> dict:
    """A filled-in form of the review page for ``transition``, as a curator posts it."""
    values = {REVIEW_DUE: "", REASON: "Superseded", COMMENT: "Add the cause", INTO: kept.pk}
    return {
        f"{transition.name}-{need.name}": values[need.name]
        for need in transition.needs
        if need.name != leave_out
    }


def api_body(transition: Transition, *, leave_out: str = "") -> str:
    """The body of an API request for ``transition`` (no review date: a year on)."""
    values = {REASON: "Superseded", COMMENT: "Add the cause"}
    return json.dumps(
        {
            need.name: values[need.name]
            for need in transition.needs
            if need.name in values and need.name != leave_out
        }
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


# -- the review page -------------------------------------------------------------------------


@pytest.mark.parametrize("status", Status.values)
def test_the_review_page_offers_exactly_the_transitions_of_the_table(
    client, curator, contributor, status
):
    lesson = lesson_by(contributor, status)
    client.force_login(curator)
    response = client.get(f"/curation/lessons/{lesson.pk}/")
    offered = {t.name for t in ON_THE_PAGE if status in t.starts_from}
    assert set(response.context["forms"]) == offered
    page = response.content.decode()
    for transition in ON_THE_PAGE:
        has_form = f'action="/curation/lessons/{lesson.pk}/{transition.slug}/"' in page
        assert has_form == (transition.name in offered), transition.name


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("name", [t.name for t in ON_THE_PAGE])
def test_the_review_page_makes_a_transition_from_the_tables_statuses_only(
    client, curator, contributor, name, status
):
    transition = TRANSITIONS[name]
    lesson = lesson_by(contributor, status)
    kept = LessonFactory(title="The lesson kept")
    before = snapshot(lesson)
    client.force_login(curator)
    response = client.post(
        f"/curation/lessons/{lesson.pk}/{transition.slug}/", page_data(transition, kept)
    )
    lesson.refresh_from_db()
    if status in transition.starts_from:
        assert response.status_code == 302
        assert lesson.status == transition.ends_in
        assert lesson.history.count() == before["history"] + 1
    else:
        assert response.status_code == 200
        assert transition.wrong_status in text(response)
        assert snapshot(lesson) == before


@pytest.mark.parametrize(
    ("name", "need"),
    [(t.name, n.name) for t in ON_THE_PAGE for n in t.needs if n.required],
)
def test_the_review_page_asks_for_what_the_table_requires(client, curator, contributor, name, need):
    transition = TRANSITIONS[name]
    lesson = lesson_by(contributor, transition.starts_from[0])
    kept = LessonFactory(title="The lesson kept")
    before = snapshot(lesson)
    client.force_login(curator)
    response = client.post(
        f"/curation/lessons/{lesson.pk}/{transition.slug}/",
        page_data(transition, kept, leave_out=need),
    )
    assert response.status_code == 200
    assert response.context["forms"][name].errors[need] == [transition.need(need).missing]
    assert snapshot(lesson) == before


def test_the_review_page_knows_no_other_transition(client, curator, contributor):
    lesson = lesson_by(contributor, Status.DRAFT)
    client.force_login(curator)
    for name in ("submit", "delete", "publish"):
        response = client.post(f"/curation/lessons/{lesson.pk}/{name}/", {})
        assert response.status_code == 404, name
    assert snapshot(lesson)["row"]["status"] == Status.DRAFT


# -- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("name", NAMES)
def test_the_api_makes_a_transition_from_the_tables_statuses_only(
    client, curator, contributor, name, status
):
    """Each as the person the table lets make it: the author submits, a curator the rest."""
    transition = TRANSITIONS[name]
    lesson = lesson_by(contributor, status)
    before = snapshot(lesson)
    client.force_login(contributor if transition.who is Who.AUTHOR else curator)
    response = client.post(
        f"/api/lessons/{lesson.pk}/{transition.slug}/",
        api_body(transition),
        content_type="application/json",
    )
    lesson.refresh_from_db()
    if Place.API not in transition.offered_on:
        assert response.status_code == 404
        assert snapshot(lesson) == before
    elif status in transition.starts_from:
        assert response.status_code == 200
        assert response.json()["status"] == lesson.status == transition.ends_in
    else:
        assert response.status_code == 409
        assert response.json() == {"detail": transition.wrong_status}
        assert snapshot(lesson) == before


@pytest.mark.parametrize(
    ("name", "need"),
    [
        (t.name, n.name)
        for t in TRANSITIONS.values()
        if Place.API in t.offered_on
        for n in t.needs
        if n.required
    ],
)
def test_the_api_asks_for_what_the_table_requires(client, curator, contributor, name, need):
    transition = TRANSITIONS[name]
    lesson = lesson_by(contributor, transition.starts_from[0])
    before = snapshot(lesson)
    client.force_login(curator)
    response = client.post(
        f"/api/lessons/{lesson.pk}/{transition.slug}/",
        api_body(transition, leave_out=need),
        content_type="application/json",
    )
    assert response.status_code == 400 and need in response.json()
    assert snapshot(lesson) == before
