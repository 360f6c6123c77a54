"""Leak-suite surfaces of the search page: results, every page of browsing, totals and facets."""

from __future__ import annotations

from collections import Counter

from lessons.models import Lesson
from tests.leaks.probe import SAMPLE, Probe, markers_of
from tests.leaks.world import SHARED_TAG, STATUSES, LessonSpec


def search_by_marker(probe: Probe) -> None:
    """Searching for lessons' own markers finds exactly the visible ones.

    The markers are asked for a batch at a time (``a or b or ...``, in every status), and
    hidden ones on their own too: nothing may answer, not even "did you mean".
    """
    markers = sorted(probe.world.specs)
    batches = [markers[start : start + 15] for start in range(0, len(markers), 15)]
    for batch in batches:
        answer = probe.get("/lessons/", {"q": " or ".join(batch), "status": STATUSES})
        expected = set(batch) & probe.searchable
        probe.check(answer, markers_of(probe, answer.ctx("lessons")), exact=expected)
        probe.expect(answer.ctx("total", 0) == len(expected), answer, "wrong total")
        probe.check_page(answer, ignore=batch)  # the page repeats the query
    for marker in sorted(probe.hidden & SAMPLE):
        answer = probe.get("/lessons/", {"q": marker, "status": probe.world.specs[marker].status})
        probe.check(answer, markers_of(probe, answer.ctx("lessons")), exact=set())
        probe.expect(answer.ctx("total", 0) == 0, answer, "wrong total")
        probe.check_page(answer, ignore={marker})


def browse(probe: Probe, params: dict) -> set[str]:
    """Every lesson listed over all pages of one search."""
    seen: set[str] = set()
    answer = probe.get("/lessons/", params)  # the first page, as linked: no page parameter
    while True:
        seen |= markers_of(probe, answer.ctx("lessons"))
        probe.check_page(answer)
        current = answer.ctx("page", None)
        if current is None or not current.has_next():
            return seen
        answer = probe.get("/lessons/", {**params, "page": current.next_page_number()})


def search_browse(probe: Probe) -> None:
    published = probe.published(probe.searchable)
    for params, expected in [
        ({}, published),  # without a status, search shows the published collection
        ({"sort": "useful"}, published),
        ({"status": STATUSES}, probe.searchable),
        ({"q": SHARED_TAG, "status": STATUSES}, probe.searchable),  # ranked by relevance
    ]:
        probe.check(f"/lessons/ {params}", browse(probe, params), exact=expected)


def expected_facets(probe: Probe, params: dict) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and every facet's counts, each facet counted without its own filter."""
    world = probe.world

    def selected(spec: LessonSpec, skipped: str | None) -> bool:
        if skipped != "status" and spec.status not in (params.get("status") or ["published"]):
            return False
        codes = params.get("project")
        return skipped == "project" or not codes or world.code(spec.project) in codes

    def values(name: str, spec: LessonSpec) -> list[str]:
        project = world.projects[spec.project]
        return {
            "category": ["technical"],
            "tag": [SHARED_TAG, spec.marker],
            "project_type": [project.project_type.slug],
            "department": [str(project.department_id)],
            "project": [project.code],
            "phase": [],
            "kind": [Lesson.Kind.WENT_WRONG],
            "impact": [Lesson.Impact.MEDIUM],
            "likelihood": [Lesson.Likelihood.POSSIBLE],
            "visibility": [spec.visibility],
            "status": [spec.status],
        }[name]

    pool = [world.specs[marker] for marker in probe.searchable]
    names = ["category", "tag", "project_type", "department", "project", "phase", "kind"]
    names += ["impact", "likelihood", "visibility"]
    names += ["status"] if probe.persona.is_curator else []
    facets = {
        name: dict(
            Counter(value for spec in pool if selected(spec, name) for value in values(name, spec))
        )
        for name in names
    }
    return sum(selected(spec, None) for spec in pool), facets


def facet_searches(probe: Probe) -> list[dict]:
    """The searches whose facet counts are checked, on the page and in the API."""
    return [
        {},
        {"status": STATUSES},
        {"q": SHARED_TAG},
        {"project": [probe.world.code("A")]},
        {"project": [probe.world.code("B")], "status": ["draft", "published"]},
    ]


def expect_facets(probe: Probe, answer, shown_total: int, shown: dict, params: dict) -> None:
    """The total and every facet's counts shown equal the oracle's for these parameters."""
    total, facets = expected_facets(probe, params)
    probe.expect(shown_total == total, answer, f"total {shown_total} != {total}")
    for name in sorted(shown.keys() | facets.keys()):
        probe.expect(
            shown.get(name) == facets.get(name),
            answer,
            f"facet {name}: shows {shown.get(name)}, expected {facets.get(name)}",
        )


def search_facets(probe: Probe) -> None:
    for params in facet_searches(probe):
        answer = probe.get("/lessons/", params)
        if answer.sent_to_sign_in:
            continue
        shown = {
            facet.name: {option.value: option.count for option in facet.options}
            for facet in answer.ctx("facets")
        }
        expect_facets(probe, answer, answer.ctx("total"), shown, params)
