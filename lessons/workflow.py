"""A lesson's life: draft -> submitted -> published (or rejected, or back to draft) -> archived.

``TRANSITIONS``, at the end of this module, is the one table of a lesson's transitions: the
statuses each starts from and ends in, who may make it, what it needs (a reason, a comment,
a review date, the lesson to merge into), what else stops it, and where it is offered. The
functions below check their row before changing anything; the curation pages
(lessons.curation.views) and the API (lessons.api.transitions) read the same rows to know
which transitions to offer and which to accept. Each transition records who, when and why
in the lesson's history and tells the submitter by e-mail once the change is committed
(never for an anonymous lesson: nothing knows who wrote it). Nothing else changes a
lesson's status.

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
    make(transition, lesson, by=user, data={...})  any of them, by its row of the table
    notify_edit(lesson, by=curator, reason="")     after someone else's edit: tell the author
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
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
from lessons.ratings import refresh_rating_aggregates

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

logger = logging.getLogger(__name__)

REVIEW_AFTER_DAYS = 365  # a published lesson is due for a curator's second look a year on

Status = Lesson.Status

# What a transition may need beside the lesson: each is the keyword of its function here,
# the field of its form on the curation pages (after the form's prefix) and of its API body.
REVIEW_DUE = "review_due"
REASON = "reason"
COMMENT = "comment"
INTO = "into"  # the lesson a duplicate is merged into

# The lessons a duplicate may be merged into: ones that people can find.
MERGE_TARGET_STATUSES = (Status.SUBMITTED, Status.PUBLISHED)


class TransitionError(Exception):
    """A change of status that is not allowed; the message says why, for the person."""


# -- the shape of the table's rows ----------------------------------------------------------------


class Who(StrEnum):
    """Who may make a transition (the rules are accounts.policy's)."""

    AUTHOR = "the author"  # the lesson's author, or a curator: can_submit_lesson
    CURATORS = "curators"  # curators and administrators: can_curate


class Place(StrEnum):
    """Where a transition is offered, each at ``.../lessons/<id>/<slug>/``."""

    REVIEW_PAGE = "review page"  # /curation/lessons/<id>/: a form, posted to lessons.curation
    API = "api"  # /api/lessons/<id>/<slug>/: lessons.api (submit: lessons.api.lessons)


@dataclass(frozen=True)
class Need:
    """Something a transition asks of the person making it, beside the lesson."""

    name: str  # REVIEW_DUE, REASON, COMMENT or INTO
    required: bool = False
    missing: str = ""  # what to say when a required one is left out or blank


@dataclass(frozen=True)
class Blocker:
    """Something about a lesson, beside its status, that stops a transition."""

    applies: Callable[[Lesson], bool]
    message: str


@dataclass(frozen=True)
class Transition:
    """One row of the table: a change of status and every rule about it."""

    name: str
    run: Callable[..., Lesson]  # the function below that makes it
    starts_from: tuple[str, ...]
    ends_in: str
    who: Who
    wrong_status: str  # why not, when the lesson is in no status it starts from
    not_permitted: str  # why not, to someone the table does not let make it
    offered_on: tuple[Place, ...]
    needs: tuple[Need, ...] = ()
    blockers: tuple[Blocker, ...] = ()

    @property
    def slug(self) -> str:
        """Its part of an address: ``send-back`` for ``send_back``."""
        return self.name.replace("_", "-")

    def need(self, name: str) -> Need:
        return next(need for need in self.needs if need.name == name)

    def permits(self, user: User | AnonymousUser, lesson: Lesson) -> bool:
        if self.who is Who.CURATORS:
            return can_curate(user)
        return can_submit_lesson(user, lesson)

    def refusal(self, lesson: Lesson, user: User | AnonymousUser | None = None) -> str | None:
        """Why ``lesson`` cannot take this transition now (by ``user``, when given); None
        when it can."""
        if lesson.status not in self.starts_from:
            return self.wrong_status
        if user is not None and not self.permits(user, lesson):
            return self.not_permitted
        return next((blocker.message for blocker in self.blockers if blocker.applies(lesson)), None)

    def missing(self, given: Mapping[str, object]) -> str | None:
        """What to ask for when a required need is left out or blank; None when nothing is."""
        for need in self.needs:
            value = given.get(need.name)
            blank = value is None or (isinstance(value, str) and not value.strip())
            if need.required and blank:
                return need.missing
        return None


# -- helpers ---------------------------------------------------------------------------------------


def _locked(lesson: Lesson) -> Lesson:
    """The lesson as it is now, locked until the transaction ends (two curators at once)."""
    return Lesson.objects.select_for_update().get(pk=lesson.pk)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise TransitionError(message)


def _refuse_if(message: str | None) -> None:
    if message is not None:
        raise TransitionError(message)


def _begin(transition: Transition, lesson: Lesson, by: User, **given: object) -> Lesson:
    """The lesson, locked, once its row of the table allows ``by`` to make the transition
    with what was ``given``; TransitionError (nothing changed) otherwise."""
    current = _locked(lesson)
    _refuse_if(transition.refusal(current, by))
    _refuse_if(transition.missing(given))
    return current


def _because(summary: str, reason: str) -> str:
    """A history row's words: "Archived: Superseded" or, without a reason, "Archived"."""
    return f"{summary}: {reason.strip()}" if reason.strip() else summary


def default_review_due() -> date:
    """When a lesson published or reviewed today is due for its next review."""
    return timezone.localdate() + timedelta(days=REVIEW_AFTER_DAYS)


def review_date_allowed(review_due: date) -> bool:
    """A review date someone chooses must be after today."""
    return review_due > timezone.localdate()


def _review_due(review_due: date | None) -> date:
    _require(
        review_due is None or review_date_allowed(review_due), "Choose a review date after today."
    )
    return review_due or default_review_due()


def _save(lesson: Lesson, *, by: User, reason: str) -> None:
    attribute_change(lesson, by=by, reason=reason)
    lesson.save()


def _finish(
    current: Lesson,
    transition: Transition,
    *,
    by: User,
    history: str,
    event: str = "",
    note: str = "",
    kept: Lesson | None = None,
) -> Lesson:
    """Put the lesson in the status the transition ends in, record it, tell the submitter."""
    current.status = transition.ends_in
    _save(current, by=by, reason=history)
    if event:
        _notify_submitter(current, event, by=by, note=note.strip(), kept=kept)
    return current


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


# -- the transitions ---------------------------------------------------------------------------


@transaction.atomic
def submit(lesson: Lesson, *, by: User) -> Lesson:
    """The author (or a curator) sends a draft to the curators."""
    current = _begin(SUBMIT, lesson, by)
    current.curation_note = ""
    return _finish(current, SUBMIT, by=by, history="Submitted for review")


@transaction.atomic
def approve(lesson: Lesson, *, by: User, review_due: date | None = None) -> Lesson:
    """Publish a submitted lesson; it is due for review a year on unless told otherwise."""
    current = _begin(APPROVE, lesson, by)
    current.published_at = timezone.now()
    current.reviewed_by = by
    current.review_due = _review_due(review_due)
    current.curation_note = ""
    return _finish(current, APPROVE, by=by, history="Approved and published", event="published")


@transaction.atomic
def reject(lesson: Lesson, *, by: User, reason: str) -> Lesson:
    """Turn a submitted lesson down, saying why (the author reads the reason)."""
    current = _begin(REJECT, lesson, by, reason=reason)
    current.reviewed_by = by
    current.curation_note = reason.strip()
    history = _because("Rejected", reason)
    return _finish(current, REJECT, by=by, history=history, event="rejected", note=reason)


@transaction.atomic
def send_back(lesson: Lesson, *, by: User, comment: str) -> Lesson:
    """Return a submitted lesson to its author as a draft, with what to change."""
    current = _begin(SEND_BACK, lesson, by, comment=comment)
    current.curation_note = comment.strip()
    history = _because("Sent back", comment)
    return _finish(current, SEND_BACK, by=by, history=history, event="sent_back", note=comment)


@transaction.atomic
def archive(lesson: Lesson, *, by: User, reason: str = "") -> Lesson:
    """Take a published lesson out of the collection (kept, findable by curators)."""
    current = _begin(ARCHIVE, lesson, by)
    history = _because("Archived", reason)
    return _finish(current, ARCHIVE, by=by, history=history, event="archived", note=reason)


@transaction.atomic
def unarchive(lesson: Lesson, *, by: User, reason: str = "") -> Lesson:
    """Put an archived lesson back into the collection (not a merged duplicate)."""
    current = _begin(UNARCHIVE, lesson, by)
    if current.published_at is None:
        current.published_at = timezone.now()
    history = _because("Restored from the archive", reason)
    return _finish(current, UNARCHIVE, by=by, history=history, event="restored", note=reason)


@transaction.atomic
def confirm_still_valid(lesson: Lesson, *, by: User, review_due: date | None = None) -> Lesson:
    """A curator re-read a published lesson and it still holds: due again a year on."""
    current = _begin(STILL_VALID, lesson, by)
    current.reviewed_by = by
    current.review_due = _review_due(review_due)
    return _finish(current, STILL_VALID, by=by, history="Reviewed, still valid", event="reviewed")


# -- merge -----------------------------------------------------------------------------------------


@transaction.atomic
def merge(duplicate: Lesson, *, into: Lesson, by: User, reason: str = "") -> Lesson:
    """Fold a duplicate into the lesson that is kept.

    Its tags, ratings, views, actions, applications, checklist citations, recurrences and
    earlier duplicates move to the kept lesson without counting anyone twice (a person who
    rated both keeps their rating of the kept lesson; views of one day add up in one row);
    the duplicate is archived with ``merged_into`` set, and its address redirects to the
    kept lesson. Every lesson whose row changes gets a history row saying why.
    """
    old, kept = _lock_pair(duplicate, into, by)
    kept.tags.add(*old.tags.all())
    _move_ratings(old, kept)
    _move_views(old, kept)
    _move_follow_ups(old, kept)
    _repoint_links(old, kept, by=by)
    _save(kept, by=by, reason=_because(f"Merged lesson {old.pk} into this one", reason))
    old.merged_into = kept
    history = _because(f"Merged into lesson {kept.pk}", reason)
    _finish(old, MERGE, by=by, history=history, event="merged", note=reason, kept=kept)
    return kept


def _lock_pair(duplicate: Lesson, into: Lesson, by: User) -> tuple[Lesson, Lesson]:
    """Both lessons as they are now, locked, once the table's row and the kept lesson allow
    the merge."""
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
    _refuse_if(MERGE.refusal(old, by))
    _require(kept.merged_into_id is None, "Merge into the lesson that is kept, not a merged one.")
    _require(
        kept.status in MERGE_TARGET_STATUSES,
        "Merge into a published or submitted lesson: one that people can find.",
    )
    return old, kept


def _move_ratings(old: Lesson, kept: Lesson) -> None:
    """Ratings move over; a person who rated both keeps their rating of the kept lesson."""
    already_rated = Rating.objects.filter(lesson=kept).values("user_id")
    Rating.objects.filter(lesson=old, user_id__in=already_rated).delete()
    Rating.objects.filter(lesson=old).update(lesson=kept)
    refresh_rating_aggregates(kept.pk)
    refresh_rating_aggregates(old.pk)  # no ratings left: count 0, usefulness the prior


def _move_views(old: Lesson, kept: Lesson) -> None:
    """Views of one day add up in one row; the totals follow."""
    for day in LessonViewDay.objects.filter(lesson=old):
        updated = LessonViewDay.objects.filter(lesson=kept, day=day.day).update(
            count=F("count") + day.count
        )
        if not updated:
            LessonViewDay.objects.create(lesson=kept, day=day.day, count=day.count)
    LessonViewDay.objects.filter(lesson=old).delete()
    Lesson.objects.filter(pk=kept.pk).update(view_count=F("view_count") + old.view_count)
    Lesson.objects.filter(pk=old.pk).update(view_count=0)


def _move_follow_ups(old: Lesson, kept: Lesson) -> None:
    """Actions, applications and checklist citations of the duplicate are the kept one's."""
    old.actions.update(lesson=kept)
    Application.objects.filter(lesson=old).update(lesson=kept)
    for item in old.checklist_items.all():
        item.source_lessons.add(kept)
        item.source_lessons.remove(old)


def _repoint_links(old: Lesson, kept: Lesson, *, by: User) -> None:
    """Lessons that repeat the duplicate, or were merged into it, now point at the kept one;
    the kept lesson takes over the duplicate's recurrence (``kept`` is saved by the caller).

    Each other lesson is saved (not updated in bulk): its version moves on, so an edit form
    open on it cannot write the old link back, and its history says what changed.
    """
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


# -- the table: every transition, read by the functions above, the curation pages and the API --

SUBMIT = Transition(
    "submit",
    submit,
    starts_from=(Status.DRAFT,),
    ends_in=Status.SUBMITTED,
    who=Who.AUTHOR,
    wrong_status="Only a draft can be submitted.",
    not_permitted="Only the lesson's author can submit it.",
    offered_on=(Place.API,),  # and on the author's own pages (lessons.capture)
    blockers=(
        Blocker(
            lambda lesson: not lesson.recommendation.strip(),
            "Write the lesson itself before submitting.",
        ),
    ),
)
APPROVE = Transition(
    "approve",
    approve,
    starts_from=(Status.SUBMITTED,),
    ends_in=Status.PUBLISHED,
    who=Who.CURATORS,
    wrong_status="Only a submitted lesson can be published.",
    not_permitted="Only curators can publish lessons.",
    offered_on=(Place.REVIEW_PAGE, Place.API),
    needs=(Need(REVIEW_DUE),),
)
REJECT = Transition(
    "reject",
    reject,
    starts_from=(Status.SUBMITTED,),
    ends_in=Status.REJECTED,
    who=Who.CURATORS,
    wrong_status="Only a submitted lesson can be rejected.",
    not_permitted="Only curators can reject lessons.",
    offered_on=(Place.REVIEW_PAGE, Place.API),
    needs=(Need(REASON, True, "Say why the lesson is rejected: its author will read it."),),
)
SEND_BACK = Transition(
    "send_back",
    send_back,
    starts_from=(Status.SUBMITTED,),
    ends_in=Status.DRAFT,
    who=Who.CURATORS,
    wrong_status="Only a submitted lesson can be sent back.",
    not_permitted="Only curators can send lessons back.",
    offered_on=(Place.REVIEW_PAGE, Place.API),
    needs=(Need(COMMENT, True, "Say what the author should change."),),
    blockers=(
        Blocker(
            lambda lesson: not lesson.shows_submitter,
            "This lesson is anonymous, so nobody can be asked to change it: edit it yourself, "
            "or reject it with a reason.",
        ),
        Blocker(
            lambda lesson: not lesson.submitted_by.is_active,
            "Its author's account is deactivated, so nobody can change it: edit it yourself, "
            "or reject it with a reason.",
        ),
    ),
)
ARCHIVE = Transition(
    "archive",
    archive,
    starts_from=(Status.PUBLISHED,),
    ends_in=Status.ARCHIVED,
    who=Who.CURATORS,
    wrong_status="Only a published lesson can be archived.",
    not_permitted="Only curators can archive lessons.",
    offered_on=(Place.REVIEW_PAGE, Place.API),
    needs=(Need(REASON),),
)
UNARCHIVE = Transition(
    "unarchive",
    unarchive,
    starts_from=(Status.ARCHIVED,),
    ends_in=Status.PUBLISHED,
    who=Who.CURATORS,
    wrong_status="Only an archived lesson can be restored.",
    not_permitted="Only curators can restore archived lessons.",
    offered_on=(Place.REVIEW_PAGE, Place.API),
    needs=(Need(REASON),),
    blockers=(
        Blocker(
            lambda lesson: lesson.merged_into_id is not None,
            "A merged lesson lives on in the one it joined.",
        ),
    ),
)
STILL_VALID = Transition(
    "still_valid",
    confirm_still_valid,
    starts_from=(Status.PUBLISHED,),
    ends_in=Status.PUBLISHED,
    who=Who.CURATORS,
    wrong_status="Only a published lesson can be reviewed.",
    not_permitted="Only curators can review published lessons.",
    offered_on=(Place.REVIEW_PAGE,),  # and on the list of lessons due for review
    needs=(Need(REVIEW_DUE),),
)
MERGE = Transition(
    "merge",
    merge,
    starts_from=(Status.SUBMITTED, Status.PUBLISHED, Status.REJECTED, Status.ARCHIVED),
    ends_in=Status.ARCHIVED,
    who=Who.CURATORS,
    wrong_status="A draft is still being written by its author: it cannot be merged yet.",
    not_permitted="Only curators can merge lessons.",
    offered_on=(Place.REVIEW_PAGE,),
    needs=(Need(INTO, True, "Enter the number of the lesson to keep."), Need(REASON)),
    blockers=(
        Blocker(
            lambda lesson: lesson.merged_into_id is not None,
            "This lesson was already merged into another.",
        ),
    ),
)

TRANSITIONS: dict[str, Transition] = {
    transition.name: transition
    for transition in (SUBMIT, APPROVE, REJECT, SEND_BACK, ARCHIVE, UNARCHIVE, STILL_VALID, MERGE)
}


def transition_at(slug: str) -> Transition | None:
    """The transition an address names (``send-back``, or ``send_back``), or None."""
    return TRANSITIONS.get(slug.replace("-", "_"))


def open_transitions(lesson: Lesson, user: User | AnonymousUser, *, on: Place) -> list[Transition]:
    """The transitions offered ``on`` a place that ``user`` may make of ``lesson`` now."""
    return [
        transition
        for transition in TRANSITIONS.values()
        if on in transition.offered_on and transition.refusal(lesson, user) is None
    ]


def make(transition: Transition, lesson: Lesson, *, by: User, data: Mapping[str, object]) -> Lesson:
    """Make ``transition`` with what a form or an API request gave for its needs."""
    given = {
        need.name: data[need.name] for need in transition.needs if data.get(need.name) is not None
    }
    _refuse_if(transition.missing(given))
    return transition.run(lesson, by=by, **given)
