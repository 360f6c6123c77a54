"""A lesson's life: draft -> submitted -> published (or rejected, or back to draft) -> archived.

Every transition here checks who may make it (accounts.policy), refuses a lesson that is not
in a state it starts from, records who, when and why in the lesson's history, and tells the
submitter by e-mail once the change is committed (never for an anonymous lesson: nothing
knows who wrote it). Views call these functions; nothing else changes a lesson's status.

    submit(lesson, by=user)                        draft -> submitted
    approve(lesson, by=curator, review_due=None)   submitted -> published
    reject(lesson, by=curator, reason="...")       submitted -> rejected
    send_back(lesson, by=curator, comment="...")   submitted -> draft, comment kept
    archive(lesson, by=curator, reason="")         published -> archived
    unarchive(lesson, by=curator, reason="")       archived -> published (not if merged)
    confirm_still_valid(lesson, by=curator)        published, reviewed: due again a year on
    merge(duplicate, into=kept, by=curator)        duplicate (any status but draft) folded
                                                   into a submitted or published lesson;
                                                   the duplicate ends archived
    notify_edit(lesson, by=curator, reason="")     after someone else's edit: tell the author
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.policy import can_curate, can_submit_lesson
from lessons.history import attribute_change
from lessons.models import Application, Lesson, LessonViewDay, Rating
from lessons.ratings import _refresh_rating_aggregates

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

REVIEW_AFTER_DAYS = 365  # a published lesson is due for a curator's second look a year on

Status = Lesson.Status


class TransitionError(Exception):
    """A change of status that is not allowed; the message says why, for the person."""


def _locked(lesson: Lesson) -> Lesson:
    """The lesson as it is now, locked until the transaction ends (two curators at once)."""
    return Lesson.objects.select_for_update().get(pk=lesson.pk)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise TransitionError(message)


def default_review_due() -> date:
    """When a lesson published or reviewed today is due for its next review."""
    return timezone.localdate() + timedelta(days=REVIEW_AFTER_DAYS)


def _review_due(review_due: date | None) -> date:
    _require(
        review_due is None or review_due > timezone.localdate(),
        "Choose a review date after today.",
    )
    return review_due or default_review_due()


def _save(lesson: Lesson, *, by: User, reason: str) -> None:
    attribute_change(lesson, by=by, reason=reason)
    lesson.save()


def recipient_of_news(lesson: Lesson) -> User | None:
    """Who is told about a lesson: its named, active submitter with an address, or nobody."""
    recipient = lesson.submitted_by if lesson.shows_submitter else None
    if recipient is None or not recipient.email or not recipient.is_active:
        return None
    return recipient


def _notify_submitter(
    lesson: Lesson, event: str, *, by: User, note: str = "", kept: Lesson | None = None
) -> None:
    """E-mail the named submitter after the commit; a failure is logged, never undone.

    ``kept`` (a merge) is named only when the submitter may see it: an e-mail must not
    tell anyone the title of a lesson they cannot open.
    """
    recipient = recipient_of_news(lesson)
    if recipient is None:
        return
    if kept is not None and not Lesson.objects.visible_to(recipient).filter(pk=kept.pk).exists():
        kept = None
    context = {
        "lesson": lesson,
        "event": event,
        "by": by,
        "note": note,
        "kept": kept,
        "recipient": recipient,
        "url": settings.SITE_URL + reverse("lessons:detail", args=[lesson.pk]),
    }

    def send() -> None:
        try:
            send_mail(
                render_to_string("lessons/email/curation_subject.txt", context).strip(),
                render_to_string("lessons/email/curation_body.txt", context),
                settings.DEFAULT_FROM_EMAIL,
                [recipient.email],
            )
        except Exception:  # the lesson's change stands; the mail server is not our rule
            logger.exception("Could not e-mail lesson %s's submitter about %s", lesson.pk, event)

    transaction.on_commit(send)


def notify_edit(lesson: Lesson, *, by: User, reason: str = "") -> None:
    """Tell a lesson's named author that someone else (a curator) edited it, and why."""
    if lesson.submitted_by_id != by.pk:
        _notify_submitter(lesson, "edited", by=by, note=reason.strip())


@transaction.atomic
def submit(lesson: Lesson, *, by: User) -> Lesson:
    """The author (or a curator) sends a draft to the curators."""
    current = _locked(lesson)
    _require(current.status == Status.DRAFT, "Only a draft can be submitted.")
    _require(can_submit_lesson(by, current), "Only the lesson's author can submit it.")
    _require(bool(current.recommendation.strip()), "Write the lesson itself before submitting.")
    current.status = Status.SUBMITTED
    current.curation_note = ""
    _save(current, by=by, reason="Submitted for review")
    return current


@transaction.atomic
def approve(lesson: Lesson, *, by: User, review_due: date | None = None) -> Lesson:
    """Publish a submitted lesson; it is due for review a year on unless told otherwise."""
    _require(can_curate(by), "Only curators can publish lessons.")
    current = _locked(lesson)
    _require(current.status == Status.SUBMITTED, "Only a submitted lesson can be published.")
    current.status = Status.PUBLISHED
    current.published_at = timezone.now()
    current.reviewed_by = by
    current.review_due = _review_due(review_due)
    current.curation_note = ""
    _save(current, by=by, reason="Approved and published")
    _notify_submitter(current, "published", by=by)
    return current


@transaction.atomic
def reject(lesson: Lesson, *, by: User, reason: str) -> Lesson:
    """Turn a submitted lesson down, saying why (the author reads the reason)."""
    _require(can_curate(by), "Only curators can reject lessons.")
    _require(bool(reason.strip()), "Say why the lesson is rejected: its author will read it.")
    current = _locked(lesson)
    _require(current.status == Status.SUBMITTED, "Only a submitted lesson can be rejected.")
    current.status = Status.REJECTED
    current.reviewed_by = by
    current.curation_note = reason.strip()
    _save(current, by=by, reason=f"Rejected: {reason.strip()}")
    _notify_submitter(current, "rejected", by=by, note=reason.strip())
    return current


@transaction.atomic
def send_back(lesson: Lesson, *, by: User, comment: str) -> Lesson:
    """Return a submitted lesson to its author as a draft, with what to change."""
    _require(can_curate(by), "Only curators can send lessons back.")
    _require(bool(comment.strip()), "Say what the author should change.")
    current = _locked(lesson)
    _require(current.status == Status.SUBMITTED, "Only a submitted lesson can be sent back.")
    _require(
        current.shows_submitter,
        "This lesson is anonymous, so nobody can be asked to change it: edit it yourself, "
        "or reject it with a reason.",
    )
    _require(
        current.submitted_by.is_active,
        "Its author's account is deactivated, so nobody can change it: edit it yourself, "
        "or reject it with a reason.",
    )
    current.status = Status.DRAFT
    current.curation_note = comment.strip()
    _save(current, by=by, reason=f"Sent back: {comment.strip()}")
    _notify_submitter(current, "sent_back", by=by, note=comment.strip())
    return current


@transaction.atomic
def archive(lesson: Lesson, *, by: User, reason: str = "") -> Lesson:
    """Take a published lesson out of the collection (kept, findable by curators)."""
    _require(can_curate(by), "Only curators can archive lessons.")
    current = _locked(lesson)
    _require(current.status == Status.PUBLISHED, "Only a published lesson can be archived.")
    current.status = Status.ARCHIVED
    _save(current, by=by, reason=f"Archived: {reason.strip()}" if reason.strip() else "Archived")
    _notify_submitter(current, "archived", by=by, note=reason.strip())
    return current


@transaction.atomic
def unarchive(lesson: Lesson, *, by: User, reason: str = "") -> Lesson:
    """Put an archived lesson back into the collection (not a merged duplicate)."""
    _require(can_curate(by), "Only curators can restore archived lessons.")
    current = _locked(lesson)
    _require(current.status == Status.ARCHIVED, "Only an archived lesson can be restored.")
    _require(current.merged_into_id is None, "A merged lesson lives on in the one it joined.")
    current.status = Status.PUBLISHED
    if current.published_at is None:
        current.published_at = timezone.now()
    why = f": {reason.strip()}" if reason.strip() else ""
    _save(current, by=by, reason=f"Restored from the archive{why}")
    _notify_submitter(current, "restored", by=by, note=reason.strip())
    return current


@transaction.atomic
def confirm_still_valid(lesson: Lesson, *, by: User, review_due: date | None = None) -> Lesson:
    """A curator re-read a published lesson and it still holds: due again a year on."""
    _require(can_curate(by), "Only curators can review published lessons.")
    current = _locked(lesson)
    _require(current.status == Status.PUBLISHED, "Only a published lesson can be reviewed.")
    current.reviewed_by = by
    current.review_due = _review_due(review_due)
    _save(current, by=by, reason="Reviewed, still valid")
    _notify_submitter(current, "reviewed", by=by)
    return current


@transaction.atomic
def merge(duplicate: Lesson, *, into: Lesson, by: User, reason: str = "") -> Lesson:
    """Fold a duplicate into the lesson that is kept.

    Its tags, ratings, views, actions, applications, checklist citations, recurrences and
    earlier duplicates move to the kept lesson without counting anyone twice (a person who
    rated both keeps their rating of the kept lesson; views of one day add up in one row);
    the duplicate is archived with ``merged_into`` set, and its address redirects to the
    kept lesson. Every lesson whose row changes gets a history row saying why.
    """
    _require(can_curate(by), "Only curators can merge lessons.")
    _require(duplicate.pk != into.pk, "A lesson cannot be merged into itself.")
    # Lock both rows in one order (by id), so two merges of the same pair cannot deadlock.
    locked = {
        lesson.pk: lesson
        for lesson in Lesson.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, into.pk])
        .order_by("pk")
    }
    _require(len(locked) == 2, "One of the two lessons no longer exists.")
    old, kept = locked[duplicate.pk], locked[into.pk]
    _require(old.merged_into_id is None, "This lesson was already merged into another.")
    _require(
        old.status != Status.DRAFT,
        "A draft is still being written by its author: it cannot be merged yet.",
    )
    _require(kept.merged_into_id is None, "Merge into the lesson that is kept, not a merged one.")
    _require(
        kept.status in (Status.SUBMITTED, Status.PUBLISHED),
        "Merge into a published or submitted lesson: one that people can find.",
    )
    why = f": {reason.strip()}" if reason.strip() else ""

    kept.tags.add(*old.tags.all())

    already_rated = Rating.objects.filter(lesson=kept).values("user_id")
    Rating.objects.filter(lesson=old, user_id__in=already_rated).delete()
    Rating.objects.filter(lesson=old).update(lesson=kept)
    _refresh_rating_aggregates(kept.pk)
    _refresh_rating_aggregates(old.pk)  # no ratings left: count 0, usefulness the prior

    for day in LessonViewDay.objects.filter(lesson=old):
        updated = LessonViewDay.objects.filter(lesson=kept, day=day.day).update(
            count=F("count") + day.count
        )
        if not updated:
            LessonViewDay.objects.create(lesson=kept, day=day.day, count=day.count)
    LessonViewDay.objects.filter(lesson=old).delete()
    Lesson.objects.filter(pk=kept.pk).update(view_count=F("view_count") + old.view_count)
    Lesson.objects.filter(pk=old.pk).update(view_count=0)

    old.actions.update(lesson=kept)
    Application.objects.filter(lesson=old).update(lesson=kept)
    for item in old.checklist_items.all():
        item.source_lessons.add(kept)
        item.source_lessons.remove(old)

    # Other lessons pointing at the duplicate now point at the kept one. Each is saved (not
    # updated in bulk): its version moves on, so an edit form open on it cannot write the
    # old link back, and its history says what changed.
    others = (
        Lesson.objects.select_for_update()
        .filter(Q(recurrence_of=old) | Q(merged_into=old))
        .exclude(pk=kept.pk)
        .order_by("pk")
    )
    for other in others:
        if other.recurrence_of_id == old.pk:
            other.recurrence_of = kept
        if other.merged_into_id == old.pk:
            other.merged_into = kept
        _save(other, by=by, reason=f"Lesson {old.pk} was merged into lesson {kept.pk}")
    if kept.recurrence_of_id == old.pk:
        kept.recurrence_of = None
    elif kept.recurrence_of_id is None and old.recurrence_of_id not in (None, kept.pk):
        kept.recurrence_of_id = old.recurrence_of_id  # the duplicate's history of recurring

    _save(kept, by=by, reason=f"Merged lesson {old.pk} into this one{why}")
    old.merged_into = kept
    old.status = Status.ARCHIVED
    _save(old, by=by, reason=f"Merged into lesson {kept.pk}{why}")
    _notify_submitter(old, "merged", by=by, note=reason.strip(), kept=kept)
    return kept
