"""lessons/workflow.py: merging a duplicate into the lesson kept: what moves over, what
points at the kept lesson afterwards, what is refused, who is told.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from lessons import search, workflow
from lessons.models import (
    Action,
    Application,
    Checklist,
    ChecklistItem,
    Lesson,
    LessonEditConflict,
    LessonViewDay,
    Rating,
    bayesian_usefulness,
)
from lessons.workflow import TransitionError
from tests.factories import ActionFactory, ApplicationFactory, RatingFactory, UserFactory
from tests.lessons.workflow.conftest import TODAY, Status, anonymous_lesson, lesson_by, snapshot

# -- merge -----------------------------------------------------------------------------------


@pytest.fixture
def raters(db):
    return {name: UserFactory(username=name) for name in ("both", "old_only", "kept_only")}


def test_merge_carries_everything_over_without_counting_twice(
    client, contributor, curator, raters, django_capture_on_commit_callbacks
):
    kept = lesson_by(contributor, Status.PUBLISHED, title="Rehearse the cutover", tags=["cutover"])
    old = lesson_by(
        contributor,
        Status.PUBLISHED,
        title="Cutover rehearsal needed twice",
        tags=["cutover", "dress-rehearsal"],
    )
    Lesson.objects.filter(pk=kept.pk).update(view_count=10)
    Lesson.objects.filter(pk=old.pk).update(view_count=7)
    day1, day2, day3 = (TODAY() - timedelta(days=n) for n in (3, 2, 1))
    LessonViewDay.objects.bulk_create(
        [
            LessonViewDay(lesson=kept, day=day1, count=4),
            LessonViewDay(lesson=kept, day=day2, count=6),
            LessonViewDay(lesson=old, day=day2, count=3),
            LessonViewDay(lesson=old, day=day3, count=4),
        ]
    )
    RatingFactory(lesson=kept, user=raters["both"], score=5)
    RatingFactory(lesson=old, user=raters["both"], score=1)
    RatingFactory(lesson=old, user=raters["old_only"], score=3)
    RatingFactory(lesson=kept, user=raters["kept_only"], score=4)
    kept_action = ActionFactory(lesson=kept)
    old_actions = [ActionFactory(lesson=old), ActionFactory(lesson=old)]
    kept_application = ApplicationFactory(lesson=kept)
    old_application = ApplicationFactory(lesson=old, hours_saved=12)
    checklist = Checklist.objects.create(name="Go-live checklist")
    cites_old = ChecklistItem.objects.create(checklist=checklist, text="Rehearse")
    cites_old.source_lessons.add(old)
    cites_both = ChecklistItem.objects.create(checklist=checklist, text="Freeze", order=2)
    cites_both.source_lessons.add(old, kept)
    repeat = lesson_by(contributor, Status.PUBLISHED, recurrence_of=old)
    earlier_duplicate = lesson_by(contributor, Status.ARCHIVED, merged_into=old)

    with django_capture_on_commit_callbacks(execute=True):
        result = workflow.merge(old, into=kept, by=curator, reason="Same lesson, twice")

    assert result.pk == kept.pk
    kept.refresh_from_db()
    old.refresh_from_db()
    # Tags: the union.
    assert sorted(kept.tags.names()) == ["cutover", "dress-rehearsal"]
    # Ratings: the person who rated both keeps their rating of the kept lesson.
    assert sorted(Rating.objects.filter(lesson=kept).values_list("user__username", "score")) == [
        ("both", 5),
        ("kept_only", 4),
        ("old_only", 3),
    ]
    assert not Rating.objects.filter(lesson=old).exists()
    assert (kept.rating_count, kept.rating_avg) == (3, 4.0)
    assert kept.usefulness == pytest.approx(bayesian_usefulness(4.0, 3))
    assert (old.rating_count, old.rating_avg) == (0, 0.0)
    assert old.usefulness == pytest.approx(bayesian_usefulness(0.0, 0))
    # Views: summed, one row per day.
    assert (kept.view_count, old.view_count) == (17, 0)
    days = dict(LessonViewDay.objects.filter(lesson=kept).values_list("day", "count"))
    assert days == {day1: 4, day2: 9, day3: 4}
    assert sum(days.values()) == kept.view_count
    assert not LessonViewDay.objects.filter(lesson=old).exists()
    # Actions and applications move, nothing lost.
    assert set(Action.objects.filter(lesson=kept)) == {kept_action, *old_actions}
    assert set(Application.objects.filter(lesson=kept)) == {kept_application, old_application}
    assert not Action.objects.filter(lesson=old).exists()
    # Checklists cite the kept lesson, once.
    assert list(cites_old.source_lessons.all()) == [kept]
    assert list(cites_both.source_lessons.all()) == [kept]
    # Lessons pointing at the duplicate point at the kept one, with a history row why.
    repeat.refresh_from_db()
    earlier_duplicate.refresh_from_db()
    assert repeat.recurrence_of == kept
    assert earlier_duplicate.merged_into == kept
    assert repeat.history.first().history_user == curator
    assert f"merged into lesson {kept.pk}" in repeat.history.first().history_change_reason
    # The duplicate: archived, merged, and its history says so.
    assert (old.status, old.merged_into) == (Status.ARCHIVED, kept)
    assert old.history.first().history_user == curator
    assert old.history.first().history_change_reason == (
        f"Merged into lesson {kept.pk}: Same lesson, twice"
    )
    assert kept.history.first().history_change_reason == (
        f"Merged lesson {old.pk} into this one: Same lesson, twice"
    )
    # The duplicate's submitter is told where it went.
    assert len(mail.outbox) == 1
    assert "Rehearse the cutover" in mail.outbox[0].body
    # Its address leads to the kept lesson; searches find the kept lesson by the moved tag.
    for person in (curator, contributor):
        client.force_login(person)
        response = client.get(f"/lessons/{old.pk}/")
        assert (response.status_code, response["Location"]) == (302, f"/lessons/{kept.pk}/")
    found = search.matching(Lesson.objects.filter(merged_into=None), "dress-rehearsal")
    assert list(found.values_list("pk", flat=True)) == [kept.pk]


def test_merge_moves_the_duplicates_recurrence_to_the_kept_lesson(contributor, curator):
    earlier = lesson_by(contributor, Status.PUBLISHED)
    kept = lesson_by(contributor, Status.PUBLISHED)
    old = lesson_by(contributor, Status.PUBLISHED, recurrence_of=earlier)
    workflow.merge(old, into=kept, by=curator)
    assert Lesson.objects.get(pk=kept.pk).recurrence_of == earlier


def test_merging_a_lesson_that_repeats_the_kept_one_leaves_no_loop(contributor, curator):
    old = lesson_by(contributor, Status.PUBLISHED)
    kept = lesson_by(contributor, Status.PUBLISHED, recurrence_of=old)
    workflow.merge(old, into=kept, by=curator)
    assert Lesson.objects.get(pk=kept.pk).recurrence_of is None


def test_an_edit_form_open_on_a_re_pointed_lesson_cannot_undo_the_merge(contributor, curator):
    kept = lesson_by(contributor, Status.PUBLISHED)
    old = lesson_by(contributor, Status.PUBLISHED)
    repeat = lesson_by(contributor, Status.PUBLISHED, recurrence_of=old)
    open_in_a_form = Lesson.objects.get(pk=repeat.pk)
    workflow.merge(old, into=kept, by=curator)
    open_in_a_form.title = "Edited meanwhile"
    with pytest.raises(LessonEditConflict):
        open_in_a_form.save()
    assert Lesson.objects.get(pk=repeat.pk).recurrence_of == kept


def test_the_kept_lesson_is_named_only_to_a_submitter_who_may_see_it(
    contributor, curator, project_b, django_capture_on_commit_callbacks
):
    secret = lesson_by(
        UserFactory(),
        Status.PUBLISHED,
        title="Restricted supplier dispute",
        project=project_b,
        visibility=Lesson.Visibility.RESTRICTED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.merge(lesson_by(contributor, Status.PUBLISHED), into=secret, by=curator)
    assert len(mail.outbox) == 1
    assert "Restricted supplier dispute" not in mail.outbox[0].body
    assert "another lesson" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("old_status", "kept_status", "message"),
    [
        (Status.DRAFT, Status.PUBLISHED, "draft"),
        (Status.SUBMITTED, Status.DRAFT, "published or submitted"),
        (Status.SUBMITTED, Status.REJECTED, "published or submitted"),
        (Status.SUBMITTED, Status.ARCHIVED, "published or submitted"),
    ],
)
def test_merge_refuses_drafts_and_lessons_nobody_can_find(
    contributor, curator, old_status, kept_status, message
):
    old = lesson_by(contributor, old_status)
    kept = lesson_by(contributor, kept_status)
    before = snapshot(old), snapshot(kept)
    with pytest.raises(TransitionError, match=message):
        workflow.merge(old, into=kept, by=curator)
    assert (snapshot(old), snapshot(kept)) == before


@pytest.mark.parametrize("old_status", [Status.SUBMITTED, Status.PUBLISHED, Status.REJECTED])
@pytest.mark.parametrize("kept_status", [Status.SUBMITTED, Status.PUBLISHED])
def test_merge_accepts_any_finished_lesson_into_a_findable_one(
    contributor, curator, old_status, kept_status
):
    old = lesson_by(contributor, old_status)
    kept = lesson_by(contributor, kept_status)
    workflow.merge(old, into=kept, by=curator)
    old.refresh_from_db()
    assert (old.status, old.merged_into_id) == (Status.ARCHIVED, kept.pk)
    assert Lesson.objects.get(pk=kept.pk).status == kept_status


def test_merge_refuses_itself_and_merged_lessons(contributor, curator):
    kept = lesson_by(contributor, Status.PUBLISHED)
    old = lesson_by(contributor, Status.PUBLISHED)
    with pytest.raises(TransitionError, match="itself"):
        workflow.merge(kept, into=kept, by=curator)
    workflow.merge(old, into=kept, by=curator)
    other = lesson_by(contributor, Status.PUBLISHED)
    with pytest.raises(TransitionError, match="already merged"):
        workflow.merge(old, into=other, by=curator)
    with pytest.raises(TransitionError, match="not a merged one"):
        workflow.merge(other, into=old, by=curator)


def test_an_anonymous_duplicate_leaves_no_trace_of_its_author(
    contributor, curator, django_capture_on_commit_callbacks
):
    author = UserFactory(
        username="zeb", first_name="Zebulon", last_name="Quillhidden", email="zeb@example.org"
    )
    duplicate = anonymous_lesson(author, Status.DRAFT)
    duplicate.tags.add("cutover")
    workflow.submit(duplicate, by=author)
    workflow.approve(duplicate, by=curator)
    RatingFactory(lesson=duplicate, user=UserFactory(), score=4)
    kept = lesson_by(contributor, Status.PUBLISHED)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.merge(duplicate, into=kept, by=curator, reason="Same as the named one")

    assert mail.outbox == []
    for lesson in (duplicate, kept):
        lesson.refresh_from_db()
        assert lesson.submitted_by != author
        rows = lesson.history.all()
        assert rows.exists()
        assert not rows.filter(submitted_by=author).exists()
        assert not rows.filter(history_user=author).exists()
        text = " ".join(str(value) for row in rows.values() for value in row.values())
        assert not re.search(r"zeb|Zebulon|Quillhidden", text, re.IGNORECASE)
    assert Lesson.objects.get(pk=duplicate.pk).submitted_by is None
