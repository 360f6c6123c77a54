"""Leak-suite surfaces of staff pages: the admin, curation, checklists and insights."""

from __future__ import annotations

import re

from django.utils import timezone

from accounts.models import User
from lessons.models import Action, Checklist, Lesson
from tests.leaks.probe import SAMPLE, Probe, check_anonymity, markers_of, name_pattern
from tests.leaks.world import PEOPLE, PERSONAS


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
