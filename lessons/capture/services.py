"""Recording a lesson: the one path the capture pages and the API both take.

    check_can_record(user)                            may this user record lessons?
    create_lesson(data, by=user)                      a new draft of theirs
    check_can_edit(user, lesson, loaded_version)      may they edit it (now)?
    check_version(lesson, loaded_version, user)       is it still the version they loaded?
    save_edit(lesson, data, by=user, loaded_version)  an edit, refused if someone saved since
    check_can_submit(user, lesson)                    may they submit it?
    submit_lesson(lesson, by=user, recurrence_of=id)  a draft to the curators, maybe linked
                                                      to the earlier lesson it repeats

``data`` is what the capture form (``LessonForm``) receives: the page's POST, or the API's
JSON translated to it. Each change runs in one transaction and records who made it (and
why) in the lesson's history. Refusals are the exceptions below: the pages turn them into a
page, the API into a 403, 400 or 409; nothing is saved when one is raised.

Every lesson shown or counted here comes through ``Lesson.objects.visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.text import Truncator
from taggit.models import TaggedItem

from accounts import policy
from lessons import workflow
from lessons.capture.forms import LESSON_DETAIL_FIELDS, LESSON_QUICK_FIELDS, LessonForm
from lessons.history import attribute_change
from lessons.models import Lesson, LessonEditConflict

if TYPE_CHECKING:
    from accounts.models import User


def suggested_tags(user: User, text: str = "", limit: int = 10) -> list[str]:
    """The most used tags of lessons this user may see, optionally containing ``text``."""
    items = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Lesson),
        object_id__in=Lesson.objects.visible_to(user).values("pk"),
    )
    if text:
        items = items.filter(tag__name__icontains=text)
    rows = (
        items.values("tag__name")
        .annotate(uses=Count("id"))
        .order_by("-uses", "tag__name")
        .values_list("tag__name", flat=True)[:limit]
    )
    return list(rows)


# -- edit conflicts -------------------------------------------------------------------------

# Compared between the version an editor loaded and the one saved since. Tags are not in
# the history (django-simple-history keeps the lesson row only), so they cannot be compared.
CONFLICT_FIELDS = (
    *(name for name in (*LESSON_QUICK_FIELDS, *LESSON_DETAIL_FIELDS) if name != "tags"),
    "status",
)
LONG_TEXT = 280


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class EditConflict:
    saved_by: str
    saved_at: dt.datetime
    # None when the version the editor loaded is not in the history (e.g. bulk-loaded lessons).
    changes: list[Change] | None
    current_version: int


def _display(record, name: str) -> str:
    field = Lesson._meta.get_field(name)
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "(empty)"
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else "(removed)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.strftime("%-d %b %Y")
    return Truncator(str(value)).chars(LONG_TEXT)


def _field_label(name: str) -> str:
    """A field as the capture form names it."""
    field = LessonForm.base_fields.get(name)
    if field is not None and field.label:
        return str(field.label)
    return name.replace("_", " ").capitalize()


def edit_conflict(current: Lesson, loaded_version: int | None, viewer: User) -> EditConflict:
    """Who saved the lesson after ``loaded_version`` was opened, when, and what they changed."""
    history = current.history.order_by("-history_date", "-history_id")
    latest = history.select_related("history_user").first()
    loaded = history.filter(version=loaded_version).first() if loaded_version else None
    changes = None
    if loaded is not None:
        changes = [
            Change(_field_label(name), before, after)
            for name in CONFLICT_FIELDS
            if (before := _display(loaded, name)) != (after := _display(current, name))
        ]
    return EditConflict(
        saved_by=_saved_by(current, latest, viewer),
        saved_at=latest.history_date if latest is not None else current.updated_at,
        changes=changes,
        current_version=current.version,
    )


def _saved_by(current: Lesson, latest, viewer: User) -> str:
    """A name only where it reveals nothing: never on an anonymous lesson."""
    if latest is None or latest.history_user_id is None or current.is_anonymous:
        return "Someone else"
    if latest.history_user_id == viewer.pk:
        return "You (in another tab or window)"
    return latest.history_user.display_name


# -- refusals -------------------------------------------------------------------------------


class Refused(Exception):
    """A refusal whose message, unless given, is its class's docstring."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__doc__)


class MayNotRecord(Refused):
    """Only contributors record lessons."""


class MayNotEdit(Refused):
    """Its author edits a lesson while it is a draft; once it is submitted, only curators."""


class MayNotSubmit(Refused):
    """A draft is submitted by its author, or by a curator."""


class NotADraft(workflow.TransitionError):
    """Only a draft can be submitted (a refused transition, as ``workflow.submit`` says)."""

    def __init__(self) -> None:
        super().__init__(workflow.SUBMIT.wrong_status)


class InvalidLesson(Exception):
    """The capture form's rules refused the input: ``form`` holds the errors and the input."""

    def __init__(self, form: LessonForm) -> None:
        super().__init__("The lesson's fields are not valid.")
        self.form = form


class UnknownEarlierLesson(Refused):
    """The lesson named as the one a draft repeats is none the user may see."""


class StaleEdit(Exception):
    """Someone saved the lesson after the version the editor loaded: nothing was saved.

    ``current`` is the lesson as it is now, ``conflict`` who changed what since.
    """

    def __init__(self, current: Lesson, loaded_version: int | None, conflict: EditConflict):
        super().__init__(
            f"Lesson {current.pk} changed since version {loaded_version} was loaded "
            f"(it is now version {current.version})."
        )
        self.current = current
        self.loaded_version = loaded_version
        self.conflict = conflict


def _stale(current: Lesson, loaded_version: int | None, editor: User) -> StaleEdit:
    return StaleEdit(current, loaded_version, edit_conflict(current, loaded_version, editor))


# -- recording ------------------------------------------------------------------------------


def check_can_record(user: User) -> None:
    """Raise ``MayNotRecord`` unless ``user`` may record lessons."""
    if not policy.can_create_lesson(user):
        raise MayNotRecord()


def create_lesson(data: Mapping[str, Any], *, by: User) -> Lesson:
    """A new draft of ``by``'s, from the capture form's ``data``.

    Raises ``MayNotRecord`` or ``InvalidLesson``.
    """
    check_can_record(by)
    form = LessonForm(data, user=by)
    if not form.is_valid():
        raise InvalidLesson(form)
    with transaction.atomic():
        lesson = form.save(commit=False)
        lesson.submitted_by = by
        lesson.status = Lesson.Status.DRAFT
        attribute_change(lesson, by=by)
        lesson.save()
        form.save_m2m()
    return lesson


# -- editing --------------------------------------------------------------------------------


def check_can_edit(user: User, lesson: Lesson, loaded_version: int | None = None) -> None:
    """Raise unless ``user`` may edit ``lesson``.

    ``StaleEdit`` when it is the author's draft, submitted since they loaded
    ``loaded_version``: they learn why and keep their text, rather than only "forbidden".
    ``MayNotEdit`` otherwise.
    """
    if policy.can_edit_lesson(user, lesson):
        return
    if (
        loaded_version is not None
        and loaded_version != lesson.version
        and lesson.submitted_by_id == user.pk
    ):
        raise _stale(lesson, loaded_version, user)
    raise MayNotEdit()


def check_version(lesson: Lesson, loaded_version: int | None, editor: User) -> None:
    """Raise ``StaleEdit`` unless ``lesson`` is still at the version the editor loaded."""
    if loaded_version != lesson.version:
        raise _stale(lesson, loaded_version, editor)


def save_edit(
    lesson: Lesson, data: Mapping[str, Any], *, by: User, loaded_version: int | None
) -> Lesson:
    """Save ``by``'s edit of ``lesson`` (the capture form's ``data``), made from version
    ``loaded_version`` (None: unknown, hence stale).

    Someone else's edit (a curator's) keeps its reason in the history and is told to the
    author. Raises ``MayNotEdit``, ``StaleEdit`` (also when a save races this one) or
    ``InvalidLesson``.
    """
    check_can_edit(by, lesson, loaded_version)
    check_version(lesson, loaded_version, by)
    form = LessonForm(data, instance=lesson, user=by)
    if not form.is_valid():
        raise InvalidLesson(form)
    try:
        with transaction.atomic():
            saved = form.save(commit=False)
            reason = form.cleaned_data.get("change_reason", "")
            attribute_change(saved, by=by, reason=reason)
            saved.save()  # refused by the model if anyone saved since loaded_version
            form.save_m2m()
            if "change_reason" in form.fields:
                workflow.notify_edit(saved, by=by, reason=reason)
    except LessonEditConflict:
        current = get_object_or_404(_editable_lessons(by), pk=lesson.pk)
        raise _stale(current, loaded_version, by) from None
    return saved


def _editable_lessons(user: User):
    """The lessons ``user`` may see, with what the capture form shows of them."""
    return Lesson.objects.visible_to(user).select_related("project", "phase", "category")


# -- submitting -----------------------------------------------------------------------------


def check_can_submit(user: User, lesson: Lesson) -> None:
    """Raise ``NotADraft`` or ``MayNotSubmit`` unless ``user`` may submit ``lesson`` now."""
    if lesson.status not in workflow.SUBMIT.starts_from:
        raise NotADraft()
    if not workflow.SUBMIT.permits(user, lesson):
        raise MayNotSubmit()


def submit_lesson(lesson: Lesson, *, by: User, recurrence_of: int | None = None) -> Lesson:
    """Send a draft to the curators, linked to the earlier lesson it repeats (its id), if any.

    Raises ``NotADraft``, ``MayNotSubmit``, ``UnknownEarlierLesson`` (not one ``by`` may
    see), ``workflow.TransitionError`` (e.g. nothing written yet) or ``LessonEditConflict``
    (saved by someone else since it was read).
    """
    check_can_submit(by, lesson)
    with transaction.atomic():
        if recurrence_of is not None:
            lesson.recurrence_of = _earlier_lesson(by, lesson, recurrence_of)
            attribute_change(lesson, by=by)
            lesson.save(update_fields=["recurrence_of"])
        return workflow.submit(lesson, by=by)


def _earlier_lesson(user: User, lesson: Lesson, pk: int) -> Lesson:
    earlier = Lesson.objects.visible_to(user).exclude(pk=lesson.pk).filter(pk=pk).first()
    if earlier is None:
        raise UnknownEarlierLesson()
    return earlier


def is_visible_to(user: User, lesson: Lesson) -> bool:
    """Whether ``user`` still sees ``lesson`` (an anonymous submission leaves its author's
    sight: nothing knows it was theirs any more)."""
    return Lesson.objects.visible_to(user).filter(pk=lesson.pk).exists()
