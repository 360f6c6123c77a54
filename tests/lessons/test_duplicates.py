"""One rule for "these two lessons look like the same lesson": the author's check before
submitting and the curators' possible duplicates list the same look-alikes.

Colin writes a draft in project A and opens its submit page; once he has submitted it, Clara
the curator opens the possible duplicates. Every lesson here is one both of them may see.
"""

from __future__ import annotations

import pytest

from lessons.models import Lesson
from tests.factories import LessonFactory

# Each case: Colin's lesson, the recorded lessons, and the titles that look like his.
CASES = {
    "titles sharing most words": (
        {
            "title": "Rehearse the data migration cutover twice",
            "recommendation": "Run two full rehearsals with the finance team before go-live.",
        },
        [
            {
                "title": "Two rehearsals of the data migration cutover found the gaps",
                "recommendation": "Schedule the rehearsals in the plan from the start.",
            },
            {
                "title": "Data owners sign off the migration scope",
                "recommendation": "Ask the data owners to sign the scope before design starts.",
            },
            {
                "title": "Book testers early",
                "recommendation": "Business testers need their managers' approval.",
            },
        ],
        {"Two rehearsals of the data migration cutover found the gaps"},
    ),
    "texts sharing most words, and a title word": (
        {
            "title": "Freeze the chart of accounts before the cutover",
            "recommendation": "Agree the chart of accounts with finance, freeze it a month "
            "before cutover and log every later change.",
        },
        [
            {
                "title": "Finance cutover slipped on late ledger changes",
                "recommendation": "Freeze the chart of accounts a month before cutover, agree "
                "it with finance and log each change.",
            },
            # The same generic advice, about something else: not the same lesson.
            {
                "title": "Supplier onboarding took three months",
                "recommendation": "Agree the onboarding steps with finance a month before the "
                "supplier starts and log every change.",
            },
        ],
        {"Finance cutover slipped on late ledger changes"},
    ),
    "nothing alike": (
        {
            "title": "Book the test environment before the build starts",
            "recommendation": "Make the test environment a deliverable with readiness criteria.",
        },
        [
            {
                "title": "Invoice approvals stalled",
                "recommendation": "Name a deputy for every finance approver before leave.",
            },
            {
                "title": "Test the reports with real users",
                "recommendation": "Ask three users to run their month-end reports in the build.",
            },
        ],
        set(),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_author_and_the_curator_see_the_same_look_alikes(
    client, contributor, curator, project_a, case
):
    mine, recorded, expected = case
    for fields in recorded:
        LessonFactory(summary="", **fields)
    draft = LessonFactory(
        project=project_a,
        submitted_by=contributor,
        status=Lesson.Status.DRAFT,
        summary="",
        **mine,
    )

    client.force_login(contributor)
    check = client.get(f"/lessons/{draft.pk}/submit/")
    authors = {other.title for other in check.context["candidates"]}
    client.post(f"/lessons/{draft.pk}/submit/", {"intent": "submit"})
    draft.refresh_from_db()
    assert draft.status == Lesson.Status.SUBMITTED

    client.force_login(curator)
    pairs = client.get("/curation/duplicates/").context["pairs"]
    curators = {pair.other.title for pair in pairs if pair.lesson.pk == draft.pk}

    assert authors == curators == expected


def test_the_curator_sees_the_words_both_lessons_use(client, contributor, curator, project_a):
    LessonFactory(
        title="Two rehearsals of the data migration cutover found the gaps",
        summary="",
        recommendation="Schedule the rehearsals in the plan from the start.",
    )
    LessonFactory(
        project=project_a,
        submitted_by=contributor,
        status=Lesson.Status.SUBMITTED,
        title="Rehearse the data migration cutover twice",
        summary="",
        recommendation="Run two full rehearsals with the finance team before go-live.",
    )
    client.force_login(curator)

    response = client.get("/curation/duplicates/")

    [pair] = response.context["pairs"]
    # As the submitted lesson writes them: "rehearse" and "rehearsals" are one word.
    assert pair.shared == ["rehearse", "data", "migration", "cutover"]
    assert "Both say: rehearse, data, migration, cutover" in response.content.decode()
