"""lessons/workflow.py: every transition from every status, who may make it, what it
records in the lesson and its history.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import CONTRIBUTOR, CURATOR
from lessons import workflow
from lessons.models import Lesson
from lessons.workflow import TransitionError
from tests.factories import UserFactory
from tests.lessons.workflow.conftest import (
    ALLOWED,
    CALLS,
    TODAY,
    Status,
    anonymous_lesson,
    lesson_by,
    snapshot,
)

# -- every transition from every status -----------------------------------------------------


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("transition", CALLS)
def test_each_transition_starts_from_one_status_only(contributor, curator, transition, status):
    lesson = lesson_by(contributor, status)
    before = snapshot(lesson)
    start, end = ALLOWED[transition]

    if status == start:
        result = CALLS[transition](lesson, curator)
        lesson.refresh_from_db()
        assert lesson.status == result.status == end
        assert lesson.history.count() == before["history"] + 1
    else:
        with pytest.raises(TransitionError):
            CALLS[transition](lesson, curator)
        assert snapshot(lesson) == before


def test_a_transition_reads_the_lesson_as_it_is_now_not_a_stale_copy(contributor, curator):
    """Two curators on one submitted lesson: the second one's click is refused."""
    lesson = lesson_by(contributor)
    stale = Lesson.objects.get(pk=lesson.pk)
    workflow.approve(lesson, by=curator)
    with pytest.raises(TransitionError, match="Only a submitted lesson"):
        workflow.reject(stale, by=curator, reason="Duplicate")
    assert Lesson.objects.get(pk=lesson.pk).status == Status.PUBLISHED


# -- who may make each transition --------------------------------------------------------------


def test_the_author_submits_their_own_draft(contributor):
    lesson = lesson_by(contributor, Status.DRAFT, curation_note="Earlier comment")
    workflow.submit(lesson, by=contributor)
    lesson.refresh_from_db()
    assert lesson.status == Status.SUBMITTED
    assert lesson.curation_note == ""  # the curator's earlier comment was dealt with


def test_no_one_else_but_a_curator_submits_someone_elses_draft(contributor, reader, curator):
    colleague = UserFactory(role=CONTRIBUTOR)
    lesson = lesson_by(colleague, Status.DRAFT)
    for person in (contributor, reader):
        with pytest.raises(TransitionError, match="author"):
            workflow.submit(lesson, by=person)
    assert Lesson.objects.get(pk=lesson.pk).status == Status.DRAFT
    workflow.submit(lesson, by=curator)
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED


def test_a_deactivated_author_cannot_submit(deactivated):
    lesson = lesson_by(deactivated, Status.DRAFT)
    with pytest.raises(TransitionError):
        workflow.submit(lesson, by=deactivated)


def test_a_draft_without_the_lesson_itself_cannot_be_submitted(contributor):
    lesson = lesson_by(contributor, Status.DRAFT, recommendation="   ")
    with pytest.raises(TransitionError, match="Write the lesson"):
        workflow.submit(lesson, by=contributor)


# Transitions only curators make, each from the status it starts from.
CURATOR_ONLY = [name for name in CALLS if name != "submit"] + ["merge"]


def _curate(name: str, lesson: Lesson, person, other: Lesson) -> None:
    if name == "merge":
        workflow.merge(lesson, into=other, by=person)
    else:
        CALLS[name](lesson, person)


@pytest.mark.parametrize("name", CURATOR_ONLY)
def test_readers_contributors_and_former_curators_cannot_curate(
    contributor, reader, deactivated, name
):
    former_curator = UserFactory(role=CURATOR, is_active=False)
    start = ALLOWED[name][0] if name != "merge" else Status.SUBMITTED
    lesson = lesson_by(contributor, start)
    other = lesson_by(UserFactory(), Status.PUBLISHED)
    before = snapshot(lesson)
    for person in (contributor, reader, deactivated, former_curator):
        with pytest.raises(TransitionError, match="Only curators"):
            _curate(name, lesson, person, other)
    assert snapshot(lesson) == before


@pytest.mark.parametrize("name", CURATOR_ONLY)
def test_curators_and_administrators_curate(contributor, curator, administrator, name):
    for person in (curator, administrator):
        start = ALLOWED[name][0] if name != "merge" else Status.SUBMITTED
        lesson = lesson_by(contributor, start)
        other = lesson_by(UserFactory(), Status.PUBLISHED)
        _curate(name, lesson, person, other)
        assert lesson.history.first().history_user == person


# -- what each transition records --------------------------------------------------------------


def test_approve_publishes_and_sets_the_review_a_year_on(contributor, curator):
    lesson = lesson_by(contributor)
    before = timezone.now()
    workflow.approve(lesson, by=curator)
    lesson.refresh_from_db()
    assert lesson.status == Status.PUBLISHED
    assert before <= lesson.published_at <= timezone.now()
    assert lesson.reviewed_by == curator
    assert lesson.review_due == TODAY() + timedelta(days=365)
    assert workflow.default_review_due() == TODAY() + timedelta(days=365)


def test_approve_takes_a_chosen_review_date_but_not_one_in_the_past(contributor, curator):
    lesson = lesson_by(contributor)
    for past in (TODAY(), TODAY() - timedelta(days=3)):
        with pytest.raises(TransitionError, match="after today"):
            workflow.approve(lesson, by=curator, review_due=past)
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED
    chosen = TODAY() + timedelta(days=90)
    workflow.approve(lesson, by=curator, review_due=chosen)
    assert Lesson.objects.get(pk=lesson.pk).review_due == chosen


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_reject_and_send_back_need_a_reason(contributor, curator, reason):
    lesson = lesson_by(contributor)
    before = snapshot(lesson)
    with pytest.raises(TransitionError, match="Say why"):
        workflow.reject(lesson, by=curator, reason=reason)
    with pytest.raises(TransitionError, match="Say what"):
        workflow.send_back(lesson, by=curator, comment=reason)
    assert snapshot(lesson) == before


def test_reject_keeps_the_reason_for_the_author(contributor, curator):
    lesson = lesson_by(contributor)
    workflow.reject(lesson, by=curator, reason="  It repeats lesson 12.  ")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.curation_note) == (Status.REJECTED, "It repeats lesson 12.")
    assert lesson.reviewed_by == curator


def test_send_back_makes_a_draft_with_the_comment_for_the_author(contributor, curator):
    lesson = lesson_by(contributor)
    workflow.send_back(lesson, by=curator, comment="Say which supplier it was.")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.curation_note) == (Status.DRAFT, "Say which supplier it was.")
    assert lesson.submitted_by == contributor  # still theirs to finish


def test_an_anonymous_lesson_cannot_be_sent_back(contributor, curator):
    lesson = anonymous_lesson(contributor)
    before = snapshot(lesson)
    with pytest.raises(TransitionError, match="anonymous"):
        workflow.send_back(lesson, by=curator, comment="Who wrote this?")
    assert snapshot(lesson) == before


def test_a_lesson_of_someone_who_left_cannot_be_sent_back(deactivated, curator):
    lesson = lesson_by(deactivated)
    with pytest.raises(TransitionError, match="deactivated"):
        workflow.send_back(lesson, by=curator, comment="Please add the cost")
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED


def test_confirm_still_valid_sets_the_next_review_a_year_on(contributor, curator):
    lesson = lesson_by(contributor, Status.PUBLISHED, review_due=TODAY() - timedelta(days=10))
    published_at = lesson.published_at
    workflow.confirm_still_valid(lesson, by=curator)
    lesson.refresh_from_db()
    assert lesson.review_due == TODAY() + timedelta(days=365)
    assert (lesson.status, lesson.published_at, lesson.reviewed_by) == (
        Status.PUBLISHED,
        published_at,
        curator,
    )
    assert lesson.history.first().history_change_reason == "Reviewed, still valid"


def test_a_merged_lesson_cannot_be_restored_from_the_archive(contributor, curator):
    kept = lesson_by(contributor, Status.PUBLISHED)
    duplicate = lesson_by(contributor, Status.PUBLISHED)
    workflow.merge(duplicate, into=kept, by=curator)
    with pytest.raises(TransitionError, match="merged"):
        workflow.unarchive(duplicate, by=curator)


@pytest.mark.parametrize(
    ("name", "call", "reason"),
    [
        ("approve", lambda lesson, c: workflow.approve(lesson, by=c), "Approved and published"),
        (
            "reject",
            lambda lesson, c: workflow.reject(lesson, by=c, reason="Not a lesson"),
            "Rejected: Not a lesson",
        ),
        (
            "send_back",
            lambda lesson, c: workflow.send_back(lesson, by=c, comment="Add dates"),
            "Sent back: Add dates",
        ),
        (
            "archive",
            lambda lesson, c: workflow.archive(lesson, by=c, reason="Old"),
            "Archived: Old",
        ),
        ("archive", lambda lesson, c: workflow.archive(lesson, by=c), "Archived"),
        (
            "unarchive",
            lambda lesson, c: workflow.unarchive(lesson, by=c, reason="Still true"),
            "Restored from the archive: Still true",
        ),
        ("confirm_still_valid", lambda lesson, c: workflow.confirm_still_valid(lesson, by=c), None),
    ],
)
def test_history_records_who_and_why(contributor, curator, name, call, reason):
    lesson = lesson_by(contributor, ALLOWED[name][0])
    started = timezone.now()
    call(lesson, curator)
    row = lesson.history.first()
    assert row.history_user == curator
    assert started <= row.history_date <= timezone.now()
    assert row.history_change_reason == (reason or "Reviewed, still valid")


def test_a_long_reason_is_kept_whole_for_the_author_and_shortened_in_history(contributor, curator):
    reason = "The supplier was named wrongly. " * 10
    lesson = lesson_by(contributor)
    workflow.reject(lesson, by=curator, reason=reason)
    lesson.refresh_from_db()
    assert lesson.curation_note == reason.strip()
    summary = lesson.history.first().history_change_reason
    assert len(summary) <= 100 and summary.startswith("Rejected: The supplier")
