"""Rules kept by the Lesson model and the lesson services, whatever page calls them."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from lessons.models import Lesson, LessonEditConflict, LessonViewDay, Rating
from lessons.ratings import rate_lesson, record_view, remove_rating
from tests.factories import LessonFactory, UserFactory

# -- anonymity -------------------------------------------------------------------------


def test_anonymous_lesson_forgets_its_submitter_when_submitted(reader, project_a):
    lesson = LessonFactory(
        project=project_a, submitted_by=reader, is_anonymous=True, status=Lesson.Status.DRAFT
    )
    lesson.title = "Edited while still a draft"
    lesson.save()

    lesson.status = Lesson.Status.SUBMITTED
    lesson.save()

    lesson.refresh_from_db()
    assert lesson.submitted_by is None
    history = lesson.history.all()
    assert history.count() == 3
    assert not history.filter(submitted_by=reader).exists()
    assert not history.exclude(submitted_by=None).exists()


def test_anonymous_lesson_history_keeps_no_history_user_of_the_author(reader, project_a, rf):
    from simple_history.models import HistoricalRecords

    request = rf.post("/")
    request.user = reader
    HistoricalRecords.context.request = request
    try:
        lesson = LessonFactory(
            project=project_a,
            submitted_by=reader,
            is_anonymous=True,
            status=Lesson.Status.DRAFT,
        )
        lesson.status = Lesson.Status.SUBMITTED
        lesson.save()
    finally:
        del HistoricalRecords.context.request

    assert lesson.history.count() == 2
    assert not lesson.history.filter(history_user=reader).exists()


def test_anonymous_draft_keeps_its_author_only_on_the_live_row(reader, project_a, rf):
    """The author can finish the draft, but its history, which curators read, is unsigned."""
    from simple_history.models import HistoricalRecords

    request = rf.post("/")
    request.user = reader
    HistoricalRecords.context.request = request
    try:
        lesson = LessonFactory(
            project=project_a, submitted_by=reader, is_anonymous=True, status=Lesson.Status.DRAFT
        )
        lesson.title = "Still writing it"
        lesson.save()
    finally:
        del HistoricalRecords.context.request

    lesson.refresh_from_db()
    assert lesson.submitted_by == reader
    assert lesson.history.count() == 2
    assert not lesson.history.filter(history_user=reader).exists()
    assert not lesson.history.exclude(submitted_by=None).exists()


def test_anonymous_lesson_created_as_submitted_never_stores_the_submitter(reader, project_a):
    lesson = LessonFactory(
        project=project_a,
        submitted_by=reader,
        is_anonymous=True,
        status=Lesson.Status.SUBMITTED,
    )
    lesson.refresh_from_db()
    assert lesson.submitted_by is None
    assert not lesson.history.exclude(submitted_by=None).exists()


def test_database_refuses_an_anonymous_submitted_lesson_with_a_submitter(reader, project_a):
    lesson = LessonFactory(project=project_a, status=Lesson.Status.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.filter(pk=lesson.pk).update(is_anonymous=True, submitted_by=reader)


def test_named_lesson_keeps_its_submitter(reader, project_a):
    lesson = LessonFactory(project=project_a, submitted_by=reader, status=Lesson.Status.DRAFT)
    lesson.status = Lesson.Status.SUBMITTED
    lesson.save()
    lesson.refresh_from_db()
    assert lesson.submitted_by == reader


# -- optimistic locking ------------------------------------------------------------------


def test_stale_save_is_refused_and_the_first_save_kept(db):
    lesson = LessonFactory(title="Original")
    first_copy = Lesson.objects.get(pk=lesson.pk)
    second_copy = Lesson.objects.get(pk=lesson.pk)

    first_copy.title = "First editor's title"
    first_copy.save()
    second_copy.title = "Second editor's title"
    with pytest.raises(LessonEditConflict):
        second_copy.save()

    lesson.refresh_from_db()
    assert lesson.title == "First editor's title"
    assert lesson.version == 2
    assert second_copy.title == "Second editor's title"  # the loser's text is still there


def test_each_save_moves_the_version_on(db):
    lesson = LessonFactory()
    assert lesson.version == 1
    lesson.summary = "Changed"
    lesson.save()
    lesson.save()
    assert Lesson.objects.get(pk=lesson.pk).version == 3


def test_saving_a_lesson_never_overwrites_counters_written_meanwhile(db):
    lesson = LessonFactory()
    copy_loaded_before_views = Lesson.objects.get(pk=lesson.pk)
    record_view(lesson)
    rate_lesson(lesson, UserFactory(), 5)

    copy_loaded_before_views.title = "Edited"
    copy_loaded_before_views.save()

    lesson.refresh_from_db()
    assert (lesson.title, lesson.view_count, lesson.rating_count) == ("Edited", 1, 1)


# -- ratings and views --------------------------------------------------------------------


def test_rating_aggregates_stay_exact_when_ratings_are_added_changed_and_removed(db):
    lesson = LessonFactory()
    ann, bob, cat = UserFactory(), UserFactory(), UserFactory()

    rate_lesson(lesson, ann, 5)
    rate_lesson(lesson, bob, 2)
    rate_lesson(lesson, cat, 4)
    lesson.refresh_from_db()
    assert (lesson.rating_count, lesson.rating_avg) == (3, pytest.approx(11 / 3, abs=1e-4))

    rate_lesson(lesson, bob, 5, comment="Used it on our tender")
    lesson.refresh_from_db()
    assert (lesson.rating_count, lesson.rating_avg) == (3, pytest.approx(14 / 3, abs=1e-4))
    assert Rating.objects.get(lesson=lesson, user=bob).comment == "Used it on our tender"

    assert remove_rating(lesson, ann) is True
    assert remove_rating(lesson, ann) is False
    lesson.refresh_from_db()
    assert (lesson.rating_count, lesson.rating_avg) == (2, pytest.approx(4.5))

    remove_rating(lesson, bob)
    remove_rating(lesson, cat)
    lesson.refresh_from_db()
    assert (lesson.rating_count, lesson.rating_avg) == (0, 0.0)


@pytest.mark.parametrize("score", [0, 6, -1])
def test_rating_outside_one_to_five_is_refused(db, score):
    lesson = LessonFactory()
    with pytest.raises(ValueError):
        rate_lesson(lesson, UserFactory(), score)
    assert not Rating.objects.exists()


def test_views_count_per_lesson_and_per_day(db):
    lesson, other = LessonFactory(), LessonFactory()
    record_view(lesson)
    record_view(lesson)
    record_view(other)

    lesson.refresh_from_db()
    assert lesson.view_count == 2
    assert list(LessonViewDay.objects.filter(lesson=lesson).values_list("count", flat=True)) == [2]
    assert LessonViewDay.objects.get(lesson=other).count == 1


def test_most_useful_prefers_many_good_ratings_over_one_perfect_one(db):
    one_vote = LessonFactory(title="One five-star vote")
    many_votes = LessonFactory(title="Forty four-star votes")
    rate_lesson(one_vote, UserFactory(), 5)
    for _ in range(40):
        rate_lesson(many_votes, UserFactory(), 4)

    ranked = list(Lesson.objects.filter(pk__in=[one_vote.pk, many_votes.pk]).most_useful())
    assert ranked == [many_votes, one_vote]
