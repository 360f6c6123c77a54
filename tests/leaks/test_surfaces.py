"""No surface shows a lesson to someone who may not see it, or names an anonymous author.

Each persona (Reader, Contributor in project A but not B, Curator, Administrator, and a
deactivated former curator) looks at every surface that shows lessons, over
one world of marked lessons (tests/leaks/world.py). A surface fails when a marker appears where the
access rule (docs/architecture.md) forbids it, or is missing where the rule says it belongs.

Adding a surface is one entry in ``SURFACES``: a name and a function ``(probe) -> None``,
usually built with ``page(...)`` or ``per_lesson(...)``.
"""

from __future__ import annotations

import pytest

from lessons.models import Action, Lesson
from tests.leaks.api_surfaces import (
    api_actions,
    api_applications,
    api_facets,
    api_lesson_detail,
    api_lesson_list,
    api_ratings,
    api_reviews,
    api_tags,
)
from tests.leaks.page_surfaces import (
    csv_export,
    home_page,
    json_export,
    lesson_detail,
    profile_page,
    project_pages,
    rating_endpoint,
    related_lessons,
    review_sessions,
)
from tests.leaks.probe import Probe, Surface, page
from tests.leaks.search_surfaces import search_browse, search_by_marker, search_facets
from tests.leaks.staff_surfaces import (
    admin_changelists,
    admin_lesson_pages,
    curation_checklists,
    curation_lists,
    curation_review_pages,
    insights_figures,
)
from tests.leaks.world import PASSWORD, PEOPLE, PERSONAS, can_see

SURFACES: dict[str, Surface] = {
    "search-by-marker": search_by_marker,
    "search-browse-all-pages": search_browse,
    "search-totals-and-facets": search_facets,
    "lesson-detail": lesson_detail,
    "related-lessons": related_lessons,
    "rating-endpoint": rating_endpoint,
    "csv-export": csv_export,
    "json-export": json_export,
    "home-page": home_page,
    "project-list": page("/projects/"),
    "project-pages": project_pages,
    "profile": profile_page,
    "admin-changelists": admin_changelists,
    "admin-lesson-pages-and-history": admin_lesson_pages,
    "curation-lists": curation_lists,
    "curation-review-pages": curation_review_pages,
    "review-sessions": review_sessions,
    # -- Added by later issues: one line each, once the surface exists.
    # ``page`` and ``per_lesson`` come from tests/leaks/world.py; a surface with its own rules is a
    # function here, like those above.
    "kickoff-briefings": page(lambda w: [f"/projects/{w.code(p)}/kickoff/" for p in "AB"]),
    "insights-figures": insights_figures,  # each figure equals the oracle's count
    "curation-checklists": curation_checklists,  # curators only: checklists and follow-ups
    "insights-actions": page(
        lambda w: [
            f"/insights/actions/?page={n}" for n in range(1, Action.objects.count() // 25 + 2)
        ]
    ),
    "api-lesson-list": api_lesson_list,  # every page, total, anonymity, links
    "api-lesson-detail": api_lesson_detail,  # 404 for the invisible, merged ones included
    "api-facets": api_facets,  # the oracle's counts, as the page's
    "api-ratings": api_ratings,
    "api-actions": api_actions,
    "api-applications": api_applications,
    "api-reviews": api_reviews,
    "api-tags": api_tags,
    "api-projects": page(
        lambda w: ["/api/projects/", *(f"/api/projects/{w.code(p)}/" for p in "AB")]
    ),
    "api-categories": page("/api/categories/"),
}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_surface_shows_each_persona_exactly_what_they_may_see(world, client, persona, surface):
    client.force_login(world.users[persona])
    probe = Probe(PEOPLE[persona], world, client)
    SURFACES[surface](probe)
    assert not probe.failures, f"{surface} leaks to {persona}:\n{probe.report()}"


# -- the oracle and signing in -----------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_access_rule_agrees_with_the_design(world, persona):
    person = PEOPLE[persona]
    expected = {world.pks[m] for m, spec in world.specs.items() if can_see(person, spec)}
    actual = set(Lesson.objects.visible_to(world.users[persona]).values_list("pk", flat=True))
    assert actual == expected


def test_the_world_covers_every_case(world):
    """The oracle is not vacuous: every status and visibility is there, and each persona
    sees more than the one before."""
    seen = {
        key: {m for m, spec in world.specs.items() if can_see(PEOPLE[key], spec)}
        for key in PERSONAS
    }
    assert seen["deactivated"] == set()
    assert seen["reader"] < seen["contributor"] < seen["curator"] == set(world.specs)
    assert seen["administrator"] == seen["curator"]
    assert {spec.status for spec in world.specs.values()} == set(Lesson.Status.values)
    assert {spec.visibility for spec in world.specs.values()} == set(Lesson.Visibility.values)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_active_accounts_can_sign_in(world, client, persona):
    response = client.post(
        "/accounts/login/",
        {"username": PEOPLE[persona].username, "password": PASSWORD},
    )
    if PEOPLE[persona].active:
        assert response.status_code == 302
    else:
        assert response.status_code == 200  # the form again, with an error
        assert client.get("/").status_code == 302
