"""Leak-suite surfaces of single pages: a lesson, related lessons, rating, exports, home,
projects, review sessions and the profile."""

from __future__ import annotations

import json

from django.utils import timezone

from lessons.models import Lesson, Rating
from projects.models import PhaseReview
from tests.leaks.probe import Probe, check_anonymity, csv_rows, markers_of
from tests.leaks.world import PEOPLE, STATUSES

HOME_LIST_SIZE = 6


RELATED_SIZE = 5


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
