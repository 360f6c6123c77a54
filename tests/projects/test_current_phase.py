"""A project's current phase: the one rule (``Project.current_phase``) behind the project
page's "Lessons for this phase" link and the phase a new review session proposes."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import PhaseFactory

TODAY = datetime.date(2026, 6, 15)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


# Each case: the phases (name, order, start, end) and the name of the current one, or None.
CASES = {
    "no phases": ([], None),
    "default phases without dates": (
        [("Initiation", 1, None, None), ("Planning", 2, None, None)],
        None,
    ),
    "one phase under way": (
        [("Initiation", 1, days(-60), days(-31)), ("Planning", 2, days(-30), days(30))],
        "Planning",
    ),
    "starts today, ends today": ([("Cutover", 1, TODAY, TODAY)], "Cutover"),
    "every phase in the future": (
        [("Initiation", 1, days(1), days(30)), ("Planning", 2, days(31), None)],
        None,
    ),
    "between two phases": (
        [("Planning", 1, days(-30), days(-1)), ("Execution", 2, days(7), None)],
        None,
    ),
    "all phases ended": ([("Closure", 5, days(-30), days(-1))], None),
    "an earlier phase left open": (
        [("Planning", 2, days(-60), None), ("Execution", 3, days(-10), None)],
        "Execution",
    ),
    "overlapping phases: the one started last": (
        [("Monitoring & control", 4, days(-20), days(90)), ("Execution", 3, days(-5), days(60))],
        "Execution",
    ),
    "started the same day: the later in order": (
        [("Execution", 3, days(-5), None), ("Monitoring & control", 4, days(-5), None)],
        "Monitoring & control",
    ),
    "an undated phase earlier in order": (
        [("Initiation", 1, None, None), ("Planning", 2, days(-3), None)],
        "Planning",
    ),
    "an end date without a start date": ([("Initiation", 1, None, days(10))], None),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_current_phase_is_the_one_under_way_that_started_last(project_a, case):
    phases, expected = case
    for name, order, start, end in phases:
        PhaseFactory(project=project_a, name=name, order=order, start_date=start, end_date=end)

    current = project_a.current_phase(TODAY)

    assert (current.name if current else None) == expected


def test_without_a_date_the_current_phase_is_todays(project_a):
    today = timezone.localdate()
    PhaseFactory(project=project_a, name="Yesterday", start_date=today - datetime.timedelta(1))
    PhaseFactory(project=project_a, name="Tomorrow", start_date=today + datetime.timedelta(1))

    assert project_a.current_phase().name == "Yesterday"
    assert project_a.current_phase(today + datetime.timedelta(1)).name == "Tomorrow"


def _phase_link(page: str) -> str | None:
    marker = "Lessons for this phase ("
    return page[page.index(marker) + len(marker) :].split(")")[0] if marker in page else None


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        # Planning has no dates (it would come first by order); Execution is under way.
        ([("Planning", 2, None, None), ("Execution", 3, -10, None)], "Execution"),
        ([("Initiation", 1, None, None), ("Planning", 2, None, None)], None),
        ([("Planning", 2, -30, None), ("Execution", 3, -2, None)], "Execution"),
    ],
)
def test_the_project_page_and_a_new_review_session_agree_on_the_current_phase(
    client, project_a, manager, phases, expected
):
    today = timezone.localdate()
    by_name = {}
    for name, order, start, end in phases:
        by_name[name] = PhaseFactory(
            project=project_a,
            name=name,
            order=order,
            start_date=None if start is None else today + datetime.timedelta(start),
            end_date=end,
        )
    client.force_login(manager)

    page = client.get(project_a.get_absolute_url()).content.decode()
    form = client.get(f"/projects/{project_a.code}/reviews/new/").context["form"]

    assert _phase_link(page) == expected
    proposed = form.initial.get("phase")
    assert proposed == (by_name[expected].pk if expected else None)
