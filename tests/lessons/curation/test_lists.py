"""The curation lists (/curation/): the queue of submitted lessons, the lessons due for
review, possible duplicates, the archive, and the top bar's count.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lessons import workflow
from lessons.models import Lesson
from tests.factories import LessonFactory, UserFactory
from tests.lessons.curation.conftest import (
    TODAY,
    Status,
    anonymous,
    main_text,
    message_texts,
    submitted,
    titles,
)

# -- the queue -----------------------------------------------------------------------------------


def test_queue_lists_submitted_lessons_longest_waiting_first(curating, contributor):
    submitted("Two days waiting", days_ago=2)
    submitted("Ten days waiting", days_ago=10)
    # Drafted long ago but submitted just now: it waits the least.
    late = LessonFactory(title="Submitted today", status=Status.DRAFT, submitted_by=contributor)
    Lesson.history.filter(id=late.pk).update(history_date=timezone.now() - timedelta(days=30))
    workflow.submit(late, by=contributor)
    for status in (Status.DRAFT, Status.PUBLISHED, Status.REJECTED, Status.ARCHIVED):
        LessonFactory(title=f"A {status} lesson", status=status)

    response = curating.get("/curation/")

    assert response.status_code == 200
    assert titles(response) == ["Ten days waiting", "Two days waiting", "Submitted today"]
    assert response.context["counts"]["submitted"] == 3


def test_a_curators_edit_does_not_move_a_lesson_down_the_queue(curating, curator, contributor):
    draft = LessonFactory(title="Waiting longest", status=Status.DRAFT, submitted_by=contributor)
    workflow.submit(draft, by=contributor)
    rows = Lesson.history.filter(id=draft.pk)
    rows.filter(status=Status.DRAFT).update(history_date=timezone.now() - timedelta(days=6))
    rows.filter(status=Status.SUBMITTED).update(history_date=timezone.now() - timedelta(days=5))
    submitted("Waiting less", days_ago=1)
    for lesson in Lesson.objects.filter(status=Status.SUBMITTED):
        lesson.summary = "Tidied by the curator while it waits."
        lesson._history_user = curator
        lesson.save()
    assert titles(curating.get("/curation/")) == ["Waiting longest", "Waiting less"]


def test_queue_shows_age_project_kind_and_submitter_but_never_an_anonymous_author(
    curating, contributor, project_a
):
    named = UserFactory(first_name="Nadia", last_name="Namedauthor")
    submitted("Named lesson", days_ago=3, submitted_by=named, project=project_a)
    author = UserFactory(username="zeb", first_name="Zebulon", last_name="Quillhidden")
    anonymous("Anonymous lesson", author, project=project_a, kind=Lesson.Kind.WENT_WELL)

    page = main_text(curating.get("/curation/"))

    assert "Nadia Namedauthor" in page
    assert "Anonymous" in page
    assert "PRJ-A" in page and "Went well" in page and "Went wrong" in page
    assert "3\xa0days" in page  # how long it has waited
    assert not re.search(r"zeb|Zebulon|Quillhidden", page, re.IGNORECASE)


def test_queue_is_paginated(curating):
    for n in range(30):
        submitted(f"Waiting {n:02}", days_ago=60 - n)
    first = curating.get("/curation/")
    second = curating.get("/curation/", {"page": 2})
    assert titles(first) == [f"Waiting {n:02}" for n in range(25)]
    assert titles(second) == [f"Waiting {n:02}" for n in range(25, 30)]
    assert "Page 1 of 2" in first.content.decode()


@pytest.mark.parametrize("waiting", [3, 40])
def test_queue_runs_a_fixed_number_of_queries(
    curating, contributor, waiting, django_assert_num_queries
):
    for n in range(waiting):
        submitted(f"Waiting {n}", days_ago=n, submitted_by=contributor if n % 2 else None)
    anonymous("Anonymous one", contributor)
    # session, signed-in user, their roles, the four tab counts, the page of lessons with
    # project, category, submitter and merged-into joined (the top bar reuses the count)
    with django_assert_num_queries(5):
        assert curating.get("/curation/").status_code == 200


# -- the other lists -----------------------------------------------------------------------------


def test_due_for_review_lists_published_lessons_past_their_date_oldest_first(curating):
    LessonFactory(title="Due last month", review_due=TODAY() - timedelta(days=30))
    LessonFactory(title="Due yesterday", review_due=TODAY() - timedelta(days=1))
    LessonFactory(title="Due today", review_due=TODAY())
    LessonFactory(title="Due next year", review_due=TODAY() + timedelta(days=300))
    LessonFactory(title="No date", review_due=None)
    LessonFactory(
        title="Archived, overdue", status=Status.ARCHIVED, review_due=TODAY() - timedelta(days=9)
    )
    response = curating.get("/curation/due/")
    assert titles(response) == ["Due last month", "Due yesterday"]
    assert response.context["counts"]["due"] == 2


def test_reviewed_still_valid_from_the_due_list(curating, curator, contributor):
    lesson = LessonFactory(
        title="Due yesterday", submitted_by=contributor, review_due=TODAY() - timedelta(days=1)
    )
    response = curating.post(
        f"/curation/lessons/{lesson.pk}/still-valid/", {"next": "due"}, follow=True
    )
    assert response.redirect_chain == [("/curation/due/", 302)]
    assert titles(response) == []
    next_review = TODAY() + timedelta(days=365)
    assert message_texts(response) == [
        f"“Due yesterday” was reviewed and still holds: next review on "
        f"{next_review.day} {next_review:%b %Y}; Colin Contributor was told by e-mail."
    ]
    lesson.refresh_from_db()
    assert (lesson.review_due, lesson.reviewed_by) == (next_review, curator)
    assert lesson.history.first().history_change_reason == "Reviewed, still valid"


def test_possible_duplicates_pair_a_submitted_lesson_with_one_much_like_it(curating):
    LessonFactory(
        title="Rehearse the data migration cutover twice before go-live",
        summary="Two full rehearsals of the migration cutover found the gaps in time.",
    )
    waiting = submitted(
        "Data migration cutover needs two rehearsals",
        summary="Rehearsing the migration cutover twice found the gaps before go-live.",
    )
    submitted("Book testers early", summary="Business testers need their managers' approval.")
    LessonFactory(title="Invoice approvals stalled", summary="Finance approvers were on leave.")

    response = curating.get("/curation/duplicates/")
    pairs = [(pair.lesson.title, pair.other.title) for pair in response.context["pairs"]]
    assert pairs == [
        (waiting.title, "Rehearse the data migration cutover twice before go-live"),
    ]
    assert f"/curation/lessons/{waiting.pk}/?into=" in response.content.decode()


def test_archived_list_shows_archived_and_merged_lessons(curating):
    kept = LessonFactory(title="Kept lesson")
    LessonFactory(title="Archived lesson", status=Status.ARCHIVED)
    LessonFactory(title="Merged duplicate", status=Status.ARCHIVED, merged_into=kept)
    response = curating.get("/curation/archived/")
    assert set(titles(response)) == {"Archived lesson", "Merged duplicate"}
    assert f'href="/curation/lessons/{kept.pk}/">#{kept.pk}</a>' in response.content.decode()


def test_the_top_bar_counts_submitted_lessons_for_curators_only(client, curator, reader):
    submitted("One")
    submitted("Two")
    client.force_login(curator)
    page = client.get("/").content.decode()
    assert re.search(r'>Curation <span class="nav-count">2<', page)
    client.force_login(reader)
    assert "/curation/" not in client.get("/").content.decode()
