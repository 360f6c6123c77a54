"""Leak-suite surfaces of the REST API: lessons, facets, ratings, actions, applications,
reviews and tags."""

from __future__ import annotations

from django.utils import timezone

from lessons.models import Action, Application, Lesson, Rating
from projects.models import PhaseReview
from tests.leaks.probe import SAMPLE, Probe
from tests.leaks.search_surfaces import expect_facets, facet_searches
from tests.leaks.world import PEOPLE, SHARED_TAG, STATUSES

API_PAGE = 100  # the largest page: fewer requests over the whole world


def api_rows(probe: Probe, url: str, params: dict | None = None) -> tuple[list[dict], int | None]:
    """Every row over all pages of an API list (checking each page's text), and its count;
    nothing when the persona is refused."""
    rows: list[dict] = []
    answer = probe.get(url, {**(params or {}), "page_size": API_PAGE})
    count = None
    while answer.json is not None and "results" in answer.json:
        probe.check_page(answer)
        rows += answer.json["results"]
        count = answer.json["count"]
        if not answer.json["next"]:
            break
        answer = probe.get(answer.json["next"])
    return rows, count


def check_api_lesson(probe: Probe, where: str, row: dict) -> None:
    """A lesson as the API shows it: never an anonymous lesson's submitter (its author and
    curators included), and links only to lessons the persona may see."""
    world = probe.world
    marker = world.marker_of_pk(row["id"])
    spec = world.specs[marker]
    if spec.anonymous:
        probe.expect(row["submitted_by"] is None, where, f"{marker} names its submitter")
    elif spec.submitter:
        expected = PEOPLE[spec.submitter].username
        named = (row["submitted_by"] or {}).get("username")
        probe.expect(named == expected, where, f"{marker}: submitter {named}, not {expected}")
    linked = [row.get("recurrence_of"), row.get("merged_into"), *row.get("recurrences", [])]
    shown = {world.marker_of_pk(pk) for pk in linked if pk is not None}
    probe.check(f"{where} links of {marker}", shown)


def api_markers(probe: Probe, rows: list[dict], where: str) -> set[str]:
    for row in rows:
        check_api_lesson(probe, where, row)
    return {probe.world.marker_of_pk(row["id"]) for row in rows}


def api_lesson_list(probe: Probe) -> None:
    """/api/lessons/ lists exactly what the search page would, over all its pages, with the
    right total: browsing, sorting, every status, and the markers themselves as queries."""
    published = probe.published(probe.searchable)
    for params, expected in [
        ({}, published),
        ({"sort": "useful"}, published),
        ({"sort": "viewed", "status": STATUSES}, probe.searchable),
        ({"q": SHARED_TAG, "status": STATUSES}, probe.searchable),
    ]:
        where = f"/api/lessons/ {params}"
        rows, count = api_rows(probe, "/api/lessons/", params)
        probe.check(where, api_markers(probe, rows, where), exact=expected)
        probe.expect(count in (None, len(expected)), where, f"count {count} != {len(expected)}")
    markers = sorted(probe.world.specs)
    for batch in [markers[start : start + 15] for start in range(0, len(markers), 15)]:
        params = {"q": " or ".join(batch), "status": STATUSES}
        rows, count = api_rows(probe, "/api/lessons/", params)
        where = f"/api/lessons/ q={batch[0]}..."
        probe.check(where, api_markers(probe, rows, where), exact=set(batch) & probe.searchable)


def api_lesson_detail(probe: Probe) -> None:
    """Every lesson, merged duplicates included: visible is 200 with it, else 404."""
    for marker, pk in probe.world.pks.items():
        url = f"/api/lessons/{pk}/"
        if not probe.sees(marker):
            probe.check_page(probe.get(url, expect=404), allowed=set())
            continue
        answer = probe.get(url)
        probe.check_page(answer, required={marker} if probe.persona.active else ())
        if answer.json is not None and "id" in answer.json:
            check_api_lesson(probe, url, answer.json)


def api_facets(probe: Probe) -> None:
    """/api/lessons/facets/ counts as the page does: the oracle's totals and counts."""
    for params in facet_searches(probe):
        answer = probe.get("/api/lessons/facets/", params)
        probe.check_page(answer)
        if not probe.persona.active:
            continue
        shown = {
            facet["name"]: {option["value"]: option["count"] for option in facet["options"]}
            for facet in answer.json["facets"]
        }
        expect_facets(probe, answer, answer.json["total"], shown, params)


def api_ratings(probe: Probe) -> None:
    """One's own ratings, of visible lessons only (everyone rated everything); rating a
    lesson one may not see is 404 and changes nothing."""
    world = probe.world
    rows, _ = api_rows(probe, "/api/ratings/")
    rated = {world.marker_of_pk(row["lesson"]) for row in rows}
    probe.check("/api/ratings/", rated, exact=probe.visible)
    before = sorted(Rating.objects.filter(user=probe.user).values_list("lesson_id", "score"))
    for marker in sorted(probe.hidden & SAMPLE):
        answer = probe.api_post(
            "/api/ratings/", {"lesson": world.pks[marker], "score": 1}, expect=404
        )
        probe.check_page(answer, allowed=set())
        answer = probe.get("/api/ratings/", {"lesson": world.pks[marker]})
        probe.check_page(answer, allowed=set())
    after = sorted(Rating.objects.filter(user=probe.user).values_list("lesson_id", "score"))
    probe.expect(before == after, "/api/ratings/", "a refused rating changed ratings")
    open_lesson = world.pks["leakmarkerorgpublisheda"]
    probe.api_post("/api/ratings/", {"lesson": open_lesson, "score": 1}, expect=200)


def api_actions(probe: Probe) -> None:
    """Actions of visible lessons only (each lesson has someone's action); adding one to a
    lesson one may not see is 404."""
    world = probe.world
    rows, _ = api_rows(probe, "/api/actions/")
    shown = {world.marker_of_pk(row["lesson"]) for row in rows}
    probe.check("/api/actions/", shown, exact=probe.visible)
    for marker in sorted(probe.hidden & SAMPLE):
        data = {"lesson": world.pks[marker], "description": "Sneak"}
        probe.check_page(probe.api_post("/api/actions/", data, expect=404), allowed=set())
    probe.expect(not Action.objects.filter(description="Sneak").exists(), "/api/actions/", "added")


def api_applications(probe: Probe) -> None:
    """Applications of visible lessons only; recording one for a hidden lesson is 404."""
    world = probe.world
    Application.objects.bulk_create(
        Application(
            lesson_id=pk,
            project=world.projects["A"],
            applied_by=world.users["curator"],
            how=f"Applied {marker} in A",
        )
        for marker, pk in world.pks.items()
    )
    rows, _ = api_rows(probe, "/api/applications/")
    shown = {world.marker_of_pk(row["lesson"]) for row in rows}
    probe.check("/api/applications/", shown, exact=probe.visible)
    for marker in sorted(probe.hidden & SAMPLE):
        data = {"lesson": world.pks[marker], "project": world.code("A"), "how": "Sneak"}
        probe.check_page(probe.api_post("/api/applications/", data, expect=404), allowed=set())


def api_reviews(probe: Probe) -> None:
    """Sessions are their team's, curators' and administrators' (404 to others), and list
    exactly the lessons of the project the persona may see."""
    world = probe.world
    expected_reviews = set()
    for project, status in (("A", "open"), ("B", "closed")):
        review = PhaseReview.objects.create(
            project=world.projects[project], held_on=timezone.localdate(), status=status
        )
        Lesson.objects.filter(project=review.project).update(review=review)
        code = review.project.code
        team = probe.persona.is_curator or project in probe.persona.member_of
        for url in (f"/api/reviews/{review.pk}/", f"/api/projects/{code}/reviews/"):
            if not team:
                probe.check_page(probe.get(url, expect=404), allowed=set())
                continue
            answer = probe.get(url)
            probe.check_page(answer)
            if not probe.persona.active:
                continue
            body = answer.json["results"][0] if "results" in answer.json else answer.json
            mine = {m for m in probe.visible if world.specs[m].project == project}
            shown = {world.marker_of_pk(pk) for pk in body["lessons"]}
            probe.check(url, shown, exact=mine)
            probe.expect(body["lesson_count"] == len(mine), url, "wrong lesson count")
        if team and probe.persona.active:
            expected_reviews.add(review.pk)
    rows, _ = api_rows(probe, "/api/reviews/")
    listed = {row["id"] for row in rows}
    probe.expect(listed == expected_reviews, "/api/reviews/", f"lists {sorted(listed)}")


def api_tags(probe: Probe) -> None:
    """Tags of visible lessons only (each lesson has a tag named by its marker), counted
    over those; a tag only hidden lessons carry is 404."""
    rows, _ = api_rows(probe, "/api/tags/")
    names = {row["name"] for row in rows}
    probe.check("/api/tags/", names - {SHARED_TAG}, exact=probe.visible)
    counts = {row["name"]: row["lesson_count"] for row in rows}
    expected = len(probe.visible) or None
    probe.expect(counts.get(SHARED_TAG) == expected, "/api/tags/", f"shared: {counts}")
    for marker in sorted(probe.hidden & SAMPLE):
        probe.check_page(probe.get(f"/api/tags/{marker}/", expect=404), allowed=set())
