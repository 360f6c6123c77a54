"""lessons/workflow.py: every change of a lesson's status, who may make it, what it records.

Personas as in tests/conftest.py: Colin the contributor writes the lessons, Clara the curator
and Adam the administrator curate them, Rita the reader only reads, Dave has left.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.roles import CONTRIBUTOR, CURATOR
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
from tests.factories import (
    ActionFactory,
    ApplicationFactory,
    LessonFactory,
    ProjectFactory,
    RatingFactory,
    UserFactory,
)

Status = Lesson.Status
TODAY = timezone.localdate


def lesson_by(author, status: str = Status.SUBMITTED, **fields) -> Lesson:
    return LessonFactory(submitted_by=author, status=status, **fields)


def anonymous_lesson(author, status: str = Status.SUBMITTED, **fields) -> Lesson:
    """An anonymous lesson as its author writes it: a signed draft first, then sent on.

    The draft's first history row is recorded as the author's, as the history middleware
    would, so the tests can prove the workflow never brings the author back.
    """
    lesson = LessonFactory.build(
        submitted_by=author,
        is_anonymous=True,
        status=Status.DRAFT,
        project=fields.pop("project", None) or ProjectFactory(),
        **fields,
    )
    lesson._history_user = author
    lesson.save()
    if status != Status.DRAFT:
        lesson.status = status
        lesson._history_user = author
        lesson.save()
    lesson.refresh_from_db()
    return lesson


def snapshot(lesson: Lesson) -> dict:
    """Everything a refused transition must leave as it was, history included."""
    row = Lesson.objects.filter(pk=lesson.pk).values().get()
    row.pop("search_vector", None)
    return {"row": row, "history": lesson.history.count()}


# -- every transition from every status -----------------------------------------------------

# What each transition does, called as a curator would (submit: as the author).
TRANSITIONS = {
    "submit": lambda lesson, curator: workflow.submit(lesson, by=lesson.submitted_by),
    "approve": lambda lesson, curator: workflow.approve(lesson, by=curator),
    "reject": lambda lesson, curator: workflow.reject(lesson, by=curator, reason="Too vague"),
    "send_back": lambda lesson, curator: workflow.send_back(
        lesson, by=curator, comment="Add the root cause"
    ),
    "archive": lambda lesson, curator: workflow.archive(lesson, by=curator, reason="Superseded"),
    "unarchive": lambda lesson, curator: workflow.unarchive(lesson, by=curator),
    "confirm_still_valid": lambda lesson, curator: workflow.confirm_still_valid(lesson, by=curator),
}
# transition -> (the one status it starts from, the status it ends in)
ALLOWED = {
    "submit": (Status.DRAFT, Status.SUBMITTED),
    "approve": (Status.SUBMITTED, Status.PUBLISHED),
    "reject": (Status.SUBMITTED, Status.REJECTED),
    "send_back": (Status.SUBMITTED, Status.DRAFT),
    "archive": (Status.PUBLISHED, Status.ARCHIVED),
    "unarchive": (Status.ARCHIVED, Status.PUBLISHED),
    "confirm_still_valid": (Status.PUBLISHED, Status.PUBLISHED),
}


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("transition", TRANSITIONS)
def test_each_transition_starts_from_one_status_only(contributor, curator, transition, status):
    lesson = lesson_by(contributor, status)
    before = snapshot(lesson)
    start, end = ALLOWED[transition]

    if status == start:
        result = TRANSITIONS[transition](lesson, curator)
        lesson.refresh_from_db()
        assert lesson.status == result.status == end
        assert lesson.history.count() == before["history"] + 1
    else:
        with pytest.raises(TransitionError):
            TRANSITIONS[transition](lesson, curator)
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
CURATOR_ONLY = [name for name in TRANSITIONS if name != "submit"] + ["merge"]


def _curate(name: str, lesson: Lesson, person, other: Lesson) -> None:
    if name == "merge":
        workflow.merge(lesson, into=other, by=person)
    else:
        TRANSITIONS[name](lesson, person)


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


# -- e-mails ------------------------------------------------------------------------------------

# transition -> (status it starts from, words the e-mail must contain)
MAILED = {
    "approve": (Status.SUBMITTED, "published your lesson"),
    "reject": (Status.SUBMITTED, "Too vague"),
    "send_back": (Status.SUBMITTED, "Add the root cause"),
    "archive": (Status.PUBLISHED, "Superseded"),
    "unarchive": (Status.ARCHIVED, "back from the archive"),
    "confirm_still_valid": (Status.PUBLISHED, "still holds"),
}


@pytest.mark.parametrize("name", MAILED)
def test_each_curator_action_emails_the_named_submitter_once(
    contributor, curator, django_capture_on_commit_callbacks, name
):
    start, words = MAILED[name]
    lesson = lesson_by(contributor, start, title="Rehearse the cutover")
    with django_capture_on_commit_callbacks(execute=True):
        TRANSITIONS[name](lesson, curator)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contributor.email]
    assert "Rehearse the cutover" in message.subject
    assert words in message.body
    assert f"/lessons/{lesson.pk}/" in message.body


def test_emails_are_plain_text_not_html_escaped(
    contributor, curator, django_capture_on_commit_callbacks
):
    lesson = lesson_by(contributor, title='Health & Safety <sign-off> wasn\'t "done"')
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(lesson, by=curator, reason="Say who & when")
    message = mail.outbox[0]
    assert 'Health & Safety <sign-off> wasn\'t "done"' in message.subject
    assert 'Health & Safety <sign-off> wasn\'t "done"' in message.body
    assert "Say who & when" in message.body and "&amp;" not in message.body


def test_submitting_sends_no_email(contributor, django_capture_on_commit_callbacks):
    lesson = lesson_by(contributor, Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(lesson, by=contributor)
    assert mail.outbox == []


def test_no_email_before_the_change_is_committed(contributor, curator):
    """The e-mail waits for the commit: a change rolled back tells nobody anything."""
    lesson = lesson_by(contributor)
    with transaction.atomic():
        workflow.approve(lesson, by=curator)
        transaction.set_rollback(True)
    assert mail.outbox == []
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED


def test_the_change_stands_when_the_mail_server_fails(
    contributor, curator, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(workflow, "send_mail", broken)
    lesson = lesson_by(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(lesson, by=curator)
    assert Lesson.objects.get(pk=lesson.pk).status == Status.PUBLISHED
    assert "Could not e-mail" in caplog.text


def test_no_email_to_a_deactivated_submitter(
    deactivated, curator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(lesson_by(deactivated), by=curator)
        workflow.archive(lesson_by(deactivated, Status.PUBLISHED), by=curator, reason="Old")
    assert mail.outbox == []


def test_no_email_about_an_anonymous_lesson_ever_reaches_its_author(
    contributor, curator, django_capture_on_commit_callbacks
):
    """Through its whole life, merges both ways included, nothing names or mails the author."""
    author = UserFactory(
        username="zeb", first_name="Zebulon", last_name="Quillhidden", email="zeb@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        lesson = anonymous_lesson(author, Status.DRAFT)
        workflow.submit(lesson, by=author)
        workflow.approve(lesson, by=curator)
        workflow.archive(lesson, by=curator, reason="Out of date")
        workflow.unarchive(lesson, by=curator, reason="Still true")
        workflow.confirm_still_valid(lesson, by=curator)
        rejected = anonymous_lesson(author)
        workflow.reject(rejected, by=curator, reason="Not a lesson")
        # A named colleague's duplicate folded into the anonymous lesson: they are told,
        # and their e-mail names the kept lesson, never its author.
        named = lesson_by(contributor, Status.PUBLISHED)
        workflow.merge(named, into=lesson, by=curator)
        # And an anonymous duplicate folded into a named lesson: nobody is told.
        duplicate = anonymous_lesson(author)
        workflow.merge(duplicate, into=lesson_by(contributor, Status.PUBLISHED), by=curator)

    assert [message.to for message in mail.outbox] == [[contributor.email]]
    for message in mail.outbox:
        text = " ".join([message.subject, message.body, *message.to, *message.cc, *message.bcc])
        assert not re.search(r"zeb|Zebulon|Quillhidden", text, re.IGNORECASE)


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
