"""No surface shows a lesson to someone who may not see it, or names an anonymous author.

Each persona (Reader, Contributor in project A but not B, Curator, Administrator, and a
deactivated former curator) looks at every surface of DESIGN.md section 6 that exists, over
one world of marked lessons (tests/leaks.py). A surface fails when a marker appears where the
access rule of DESIGN.md section 5 forbids it, or is missing where the rule says it belongs.

Adding a surface is one entry in ``SURFACES``: a name and a function ``(probe) -> None``,
usually built with ``page(...)`` or ``per_lesson(...)``.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from lessons.models import Action, Application, Checklist, Lesson, Rating
from projects.models import PhaseReview
from tests.leaks import (
    PASSWORD,
    PEOPLE,
    PERSONAS,
    SHARED_TAG,
    STATUSES,
    LessonSpec,
    Page,
    Probe,
    Surface,
    World,
    build_world,
    can_see,
    csv_rows,
    main_region,
    name_pattern,
    page,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py
HOME_LIST_SIZE = 6
RELATED_SIZE = 5
# Where opening every lesson would cost too much (a search each, an admin history page each),
# these stand for the rest: each kind of lesson in both projects, the contributor's own, an
# anonymous one and the deactivated user's.
SAMPLE = {
    f"leakmarker{short}{status}{project}"
    for short in ("org", "prj", "rst")
    for status in ("draft", "published")
    for project in ("a", "b")
} | {"leakmarkerminerstsubmittedb", "leakmarkerformerrstdraftb", "leakmarkermineanonrstsubmittedb"}


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker) -> World:
    """The world, built once for this module inside a transaction rolled back at its end.

    This is Django's ``TestCase.setUpTestData``: each test runs in a savepoint within it
    (the ``db`` fixture), so what one test writes is gone before the next. Building the
    world for each test instead would cost more than all the surfaces together.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):  # as the tests will check
            world = build_world()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world, db) -> World:
    cache.clear()  # "did you mean" keeps a vocabulary of the lessons everyone sees
    yield built_world
    cache.clear()


def markers_of(probe: Probe, lessons) -> set[str]:
    return {probe.world.marker_of_pk(lesson.pk) for lesson in lessons}


def check_anonymity(probe: Probe, answer: Page, spec: LessonSpec) -> None:
    """A page about an anonymous lesson never names who wrote it to anyone else (the top
    bar names the signed-in user, so only the page's own content is read)."""
    if spec.anonymous and spec.author != probe.persona.key:
        found = name_pattern(PEOPLE[spec.author]).findall(main_region(answer.text))
        probe.expect(not found, answer, f"names the author of anonymous {spec.marker}: {found}")


# -- search ------------------------------------------------------------------------------------


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


# -- one lesson --------------------------------------------------------------------------------


def lesson_detail(probe: Probe) -> None:
    """Visible: the page, with nothing hidden on it. Invisible: 404, not 403."""
    for marker, spec in probe.world.specs.items():
        url = probe.world.url(marker)
        if not probe.sees(marker):
            probe.check_page(probe.get(url, expect=404), allowed=set())
            continue
        if spec.merged_into and probe.sees(spec.merged_into):
            answer = probe.get(url, expect=302)
            kept = probe.world.url(spec.merged_into)
            probe.expect(answer.location == kept, answer, f"sends to {answer.location}, not {kept}")
            continue
        answer = probe.get(url)
        probe.check_page(answer, required={marker})
        check_anonymity(probe, answer, spec)


def related_lessons(probe: Probe) -> None:
    """Related lessons of a visible lesson are visible, published, not merged away; and as
    many as there are such lessons, up to five (every lesson shares a tag with every other).

    Secret lessons repeat the shared words, so a broken rule lists them first: one page
    per project and visibility that the persona sees is enough to show it.
    """
    world = probe.world
    opened = {f"leakmarker{short}publisheda" for short in ("org", "prj", "rst")}
    opened |= {"leakmarkerorgpublishedb", "leakmarkermineprjpublishedb"}
    if probe.persona.active:
        opened &= probe.searchable
    for marker in sorted(opened):
        answer = probe.get(world.url(marker))
        related = markers_of(probe, answer.ctx("related"))
        candidates = probe.published(probe.searchable) - {marker}
        probe.check(answer, related, allowed=candidates)
        if probe.persona.active:
            probe.expect(
                len(related) == min(RELATED_SIZE, len(candidates)),
                answer,
                f"{len(related)} related lessons of {len(candidates)} candidates",
            )


def rating_endpoint(probe: Probe) -> None:
    """Rating a lesson one may not see is 404 and records nothing."""
    world = probe.world
    before = sorted(Rating.objects.filter(user=probe.user).values_list("lesson_id", "score"))
    for marker in sorted(probe.hidden):
        answer = probe.post(f"/lessons/{world.pks[marker]}/rate/", {"score": "1"}, expect=404)
        probe.check_page(answer, allowed=set())
    after = sorted(Rating.objects.filter(user=probe.user).values_list("lesson_id", "score"))
    probe.expect(before == after, "/lessons/<id>/rate/", "a refused rating changed ratings")
    # ...and the same request works on a lesson everyone sees, so the 404s mean something.
    open_lesson = world.pks["leakmarkerorgpublisheda"]
    probe.post(f"/lessons/{open_lesson}/rate/", {"score": "1"})
    score = Rating.objects.get(lesson_id=open_lesson, user=probe.user).score
    probe.expect((score == 1) == probe.persona.active, "/lessons/<id>/rate/", f"score {score}")


# -- lists elsewhere ---------------------------------------------------------------------------


def csv_export(probe: Probe) -> None:
    """The export lists the search's lessons; an anonymous lesson's submitter cell is empty."""
    world = probe.world
    for params, expected in [
        ({}, probe.published(probe.searchable)),
        ({"status": STATUSES}, probe.searchable),
    ]:
        answer = probe.get("/lessons/export.csv", params)
        rows = [] if answer.sent_to_sign_in else csv_rows(answer.text)
        by_marker = {world.marker_of_pk(int(row["id"])): row for row in rows}
        probe.check(answer, by_marker, exact=expected)
        probe.check_page(answer)
        for marker, row in by_marker.items():
            spec = world.specs[marker]
            author = PEOPLE[spec.author]
            named = "" if spec.anonymous else f"{author.first_name} {author.last_name}"
            probe.expect(
                row["submitted_by"] == named,
                answer,
                f"submitter of {marker} is {row['submitted_by']!r}, expected {named!r}",
            )


def json_export(probe: Probe) -> None:
    """The JSON export: exactly the search's lessons, and no anonymous lesson's submitter."""
    world = probe.world
    for params, expected in [
        ({}, probe.published(probe.searchable)),
        ({"status": STATUSES}, probe.searchable),
    ]:
        answer = probe.get("/lessons/export.json", params)
        rows = [] if answer.sent_to_sign_in else json.loads(answer.text)["lessons"]
        by_marker = {world.marker_of_pk(row["id"]): row for row in rows}
        probe.check(answer, by_marker, exact=expected)
        for marker, row in by_marker.items():
            spec = world.specs[marker]
            author = PEOPLE[spec.author]
            named = "" if spec.anonymous else f"{author.first_name} {author.last_name}"
            probe.expect(
                row["submitted_by"] == named,
                answer,
                f"submitter of {marker} is {row['submitted_by']!r}, expected {named!r}",
            )


def home_page(probe: Probe) -> None:
    """Recently published, most useful and my open actions: visible lessons only, and full."""
    answer = probe.get("/")
    probe.check_page(answer)
    published = probe.published(probe.visible)
    own_actions = probe.visible & probe.world.actions_for[probe.persona.key]
    for name, shown, pool in [
        ("recent_lessons", markers_of(probe, answer.ctx("recent_lessons")), published),
        ("useful_lessons", markers_of(probe, answer.ctx("useful_lessons")), published),
        (
            "my_open_actions",
            {probe.world.marker_of_pk(a.lesson_id) for a in answer.ctx("my_open_actions")},
            own_actions,
        ),
    ]:
        probe.check(f"/ {name}", shown, allowed=pool)
        probe.expect(
            len(shown) == min(HOME_LIST_SIZE, len(pool)), f"/ {name}", f"{len(shown)} shown"
        )


def project_pages(probe: Probe) -> None:
    """A project's page lists exactly the lessons of that project the persona may see."""
    for project in ("A", "B"):
        answer = probe.get(f"/projects/{probe.world.code(project)}/")
        mine = {m for m in probe.visible if probe.world.specs[m].project == project}
        probe.check(answer, markers_of(probe, answer.ctx("lessons")), exact=mine)
        probe.check_page(answer)


def review_sessions(probe: Probe) -> None:
    """A session page (A's open, B's closed, every lesson of the project captured in it) is the
    team's, curators' and administrators' (404 to others) and lists exactly the lessons of
    that project the persona may see, never naming an anonymous author."""
    for project, status in (("A", "open"), ("B", "closed")):
        review = PhaseReview.objects.create(
            project=probe.world.projects[project], held_on=timezone.localdate(), status=status
        )
        Lesson.objects.filter(project=review.project).update(review=review)
        url = f"/projects/{review.project.code}/reviews/{review.pk}/"
        if not (probe.persona.is_curator or project in probe.persona.member_of):
            probe.check_page(probe.get(url, expect=404), allowed=set())
            continue
        answer = probe.get(url)
        mine = {m for m in probe.visible if probe.world.specs[m].project == project}
        probe.check_page(answer, allowed=mine, required=mine)
        for marker in mine:
            check_anonymity(probe, answer, probe.world.specs[marker])


def profile_page(probe: Probe) -> None:
    """My lessons (never my anonymous ones once sent), ratings and actions: visible only."""
    answer = probe.get("/accounts/profile/")
    probe.check_page(answer)
    key = probe.persona.key
    mine = {m for m in probe.visible if probe.world.specs[m].submitter == key}
    probe.check("profile: my lessons", markers_of(probe, answer.ctx("my_lessons")), exact=mine)
    rated = {probe.world.marker_of_pk(r.lesson_id) for r in answer.ctx("my_ratings")}
    probe.check("profile: my ratings", rated, exact=probe.visible)  # everyone rated everything
    acted = {probe.world.marker_of_pk(a.lesson_id) for a in answer.ctx("my_actions")}
    probe.check("profile: my actions", acted, exact=probe.visible & probe.world.actions_for[key])


# -- the admin ---------------------------------------------------------------------------------


def as_staff(probe: Probe) -> None:
    """Readers and contributors are refused by the admin; then an administrator ticks their
    "staff" box, and the admin must still show them only what the access rule allows."""
    if probe.persona.active and not probe.persona.staff:
        answer = probe.get("/admin/lessons/lesson/", expect=302)
        probe.expect(answer.location.startswith("/admin/login/"), answer, "admin not refused")
        User.objects.filter(pk=probe.user.pk).update(is_staff=True)


def table_rows(text: str) -> list[str]:
    return re.findall(r"<tr\b.*?</tr>", text, flags=re.DOTALL)


def admin_changelists(probe: Probe) -> None:
    as_staff(probe)
    world = probe.world
    answer = probe.get("/admin/lessons/lesson/")
    changelist = answer.ctx("cl", None)
    shown = markers_of(probe, changelist.result_list) if changelist else set()
    probe.check(answer, shown, exact=probe.visible)
    probe.check_page(answer)
    for row in table_rows(answer.text):
        for marker in probe.markers_in(row):
            spec = world.specs[marker]
            if spec.author == probe.persona.key:
                continue  # one's own name is no secret to oneself
            named = bool(name_pattern(PEOPLE[spec.author]).search(row))
            # A named lesson's row shows its author: proof that an anonymous one's would.
            probe.expect(
                named != spec.anonymous,
                answer,
                f"row of {marker} {'names' if named else 'does not name'} its author",
            )
    for url in [
        "/admin/lessons/rating/",
        "/admin/lessons/action/",
        "/admin/lessons/lessonviewday/",
        "/admin/lessons/application/",
        f"/admin/lessons/checklist/{world.checklist.pk}/change/",
    ]:
        probe.check_page(probe.get(url, expect=(200, 403)))
    found, number = set(), 1
    while True:
        answer = probe.get(
            "/admin/autocomplete/",
            {
                "app_label": "lessons",
                "model_name": "lesson",
                "field_name": "recurrence_of",
                "term": "leakmarker",
                "page": number,
            },
        )
        if answer.json is None:
            break
        found |= {world.marker_of_pk(int(result["id"])) for result in answer.json["results"]}
        if not answer.json["pagination"]["more"]:
            break
        number += 1
    probe.check("/admin/autocomplete/", found, exact=probe.visible)


def admin_lesson_pages(probe: Probe) -> None:
    """The change page of every lesson the persona may not see, and the history and first
    version of a sample of them: nothing of the lesson. Anonymous lessons: never their
    author, in the change page, history or first version.
    """
    as_staff(probe)
    world = probe.world
    # Draft (the submitter still recorded), sent, and published, by each anonymous author.
    anonymous = world.markers(
        lambda spec: spec.anonymous and spec.status in ("draft", "submitted", "published")
    )
    for marker in sorted(probe.hidden | anonymous | {"leakmarkerorgpublisheda"}):
        spec, pk = world.specs[marker], world.pks[marker]
        urls = [f"/admin/lessons/lesson/{pk}/change/"]
        if spec.anonymous and spec.status != "draft":
            urls = []  # once sent, an anonymous lesson has no submitter left to show
        if marker in anonymous | SAMPLE:
            first = Lesson.history.filter(id=pk).order_by("history_id").first()
            urls += [
                f"/admin/lessons/lesson/{pk}/history/",
                f"/admin/lessons/lesson/{pk}/history/{first.history_id}/",
            ]
        for url in urls:
            if probe.sees(marker):
                answer = probe.get(url)
                probe.check_page(answer, required={marker})
                check_anonymity(probe, answer, spec)
            else:
                probe.check_page(probe.get(url, expect=(302, 403, 404)), allowed=set())


# -- curation ----------------------------------------------------------------------------------


def curation_lists(probe: Probe) -> None:
    """The curators' lists hold exactly the visible lessons of their status, over every page;
    everyone else is refused (403) and sees nothing."""
    world = probe.world
    lists = {
        "/curation/": world.markers(lambda spec: spec.status == "submitted"),
        "/curation/due/": set(),  # no lesson of the world has a review date
        "/curation/archived/": world.markers(lambda spec: spec.status == "archived"),
    }
    for url, markers in lists.items():
        if not probe.persona.is_curator:
            probe.check_page(probe.get(url, expect=403), allowed=set())
            continue
        seen, number = set(), 1
        while True:
            answer = probe.get(url, {"page": number})
            seen |= markers_of(probe, answer.ctx("lessons"))
            probe.check_page(answer)
            current = answer.ctx("page", None)
            if current is None or not current.has_next():
                break
            number += 1
        probe.check(url, seen, exact=markers & probe.visible)
    duplicates = probe.get("/curation/duplicates/", expect=200 if probe.persona.is_curator else 403)
    probe.check_page(duplicates, allowed=probe.visible if probe.persona.is_curator else set())


def curation_review_pages(probe: Probe) -> None:
    """A curator's review page of each lesson shows it and never an anonymous author;
    everyone else gets 403 for every lesson, seen or not, and learns nothing."""
    for marker, pk in probe.world.pks.items():
        url = f"/curation/lessons/{pk}/"
        if not probe.persona.is_curator:
            probe.check_page(probe.get(url, expect=403), allowed=set())
            continue
        answer = probe.get(url)
        probe.check_page(answer, required={marker} if probe.persona.active else ())
        check_anonymity(probe, answer, probe.world.specs[marker])


def curation_checklists(probe: Probe) -> None:
    """The checklist pages: a curator sees the lessons a checklist cites, the updates waiting
    and an action's follow-up for any lesson; everyone else is refused (403) and sees nothing,
    even for an action of their own."""
    world = probe.world
    # Done actions on a sample of lessons, changing a checklist that cites none of them yet.
    waiting = Checklist.objects.create(name="Leak follow-up checklist")
    actions = {
        world.marker_of_pk(action.lesson_id): action.pk
        for action in Action.objects.filter(lesson_id__in=[world.pks[m] for m in SAMPLE])
        if action.owner_id == world.users[probe.persona.key].pk
    }
    Action.objects.filter(pk__in=actions.values()).update(
        status=Action.Status.DONE, completed_on=timezone.localdate(), target_checklist=waiting
    )
    cited = world.checklist.pk
    pages = {
        "/curation/checklists/": set(),  # nothing required: the list of updates is capped
        f"/curation/checklists/{cited}/": probe.visible,  # its item cites every lesson
        f"/curation/checklists/{cited}/delete/": set(),
        **{f"/curation/actions/{pk}/checklist/": {marker} for marker, pk in actions.items()},
    }
    for url, required in pages.items():
        if not probe.persona.is_curator:
            probe.check_page(probe.get(url, expect=403), allowed=set())
            continue
        probe.check_page(probe.get(url), required=required if probe.persona.active else ())
    if not probe.persona.is_curator:
        for url, data in [
            (f"/curation/checklists/{cited}/items/", {"item-text": "x", "item-citations": "1"}),
            (f"/curation/checklists/{cited}/delete/", {}),
        ]:
            probe.check_page(probe.post(url, data, expect=403), allowed=set())


# -- insights ----------------------------------------------------------------------------------


def insights_figures(probe: Probe) -> None:
    """/insights/ counts exactly the published lessons the persona may search: each total
    equals the oracle's count, and no lesson outside them is named on the page."""
    counted = probe.published(probe.searchable)
    answer = probe.get("/insights/")
    probe.check_page(answer, allowed=counted)
    if answer.sent_to_sign_in:
        return
    per_project = sum(row["count"] for row in answer.ctx("per_project"))
    # Every persona rated every lesson and owns an open action on it (but their own anonymous).
    open_actions = sum(len(markers & counted) for markers in probe.world.actions_for.values())
    figures = {
        "total": (answer.ctx("total"), len(counted)),
        "applied share": (answer.ctx("applied")["total"], len(counted)),
        "lessons per project": (per_project, len(counted)),
        "category x phase": (answer.ctx("category_phase")["total"], len(counted)),
        "project type x category": (answer.ctx("type_category")["total"], len(counted)),
        "risk matrix": (answer.ctx("risk")["total"], len(counted)),
        "ratings": (
            sum(row["count"] for row in answer.ctx("ratings")),
            len(counted) * len(PERSONAS),
        ),
        "open actions": (answer.ctx("actions")["open"], open_actions),
    }
    for name, (shown, expected) in figures.items():
        probe.expect(shown == expected, answer, f"{name}: shows {shown}, expected {expected}")
    viewed = {probe.world.marker_of_pk(row["id"]) for row in answer.ctx("most_viewed")}
    probe.check(answer, viewed, allowed=counted)


# -- the REST API ------------------------------------------------------------------------------

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
    # -- Added by later issues: one line each, once the surface exists (DESIGN.md section 6).
    # ``page`` and ``per_lesson`` come from tests/leaks.py; a surface with its own rules is a
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
