"""Curated checklists: the project templates and checklists that lessons change.

A ``Checklist`` holds numbered ``ChecklistItem`` rows, each citing the lessons it came from
Curators keep them on /curation/checklists/ (lessons.checklists.views);
a completed action that targets a checklist offers to add or update its item.

The rules hold whoever calls them. Every lesson read here, listed or cited, goes through
``Lesson.objects.visible_to(user)``: a citation of a lesson the user may not see is refused
with the same words as an unknown number, and editing an item's citations never drops the
ones the editor cannot see. Items are kept numbered 1..n; every write that changes the
numbering locks the checklist first, so two curators moving items at once do not collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet

from lessons.models import CARD_DEFERRED_FIELDS, Action, Checklist, ChecklistItem, Lesson
from projects.models import DEFAULT_PHASES, Phase

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from projects.models import ProjectType

NAME_LIMIT = 200  # Checklist.name
PHASE_LIMIT = 80  # Checklist.phase_name
TEXT_LIMIT = 2000
MAX_CITATIONS = 50
# Longer numbers cannot be a lesson's; they are refused without asking the database.
_MAX_DIGITS = 12
# 123, #123, /lessons/123/, https://host/lessons/123/?x#y, /curation/lessons/123/
_NUMBER = re.compile(r"#?(\d+)")
_ADDRESS = re.compile(
    r"(?:https?://[^/\s]+)?/?(?:curation/)?lessons/(\d+)/?(?:[?#]\S*)?", re.IGNORECASE
)
_SEPARATORS = re.compile(r"[\s,;]+")


class ChecklistError(Exception):
    """A checklist change that is not allowed; the message says why, for the person."""


# -- citations --------------------------------------------------------------------------------


@dataclass
class Citations:
    """What a typed list of lessons came to: the lessons found, and one message per bad value."""

    lessons: list[Lesson] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _lesson_number(value: str) -> int | None:
    for pattern in (_NUMBER, _ADDRESS):
        match = pattern.fullmatch(value)
        if match:
            return int(match.group(1))
    return None


def parse_citations(text: str, user: User | AnonymousUser) -> Citations:
    """The lessons a typed list names, by number (123, #123) or address (/lessons/123/).

    Values are separated by commas, semicolons, spaces or new lines; repeats count once and
    the order typed is kept. A number that is no lesson and one the user may not see get
    the same message, so the form never tells that a hidden lesson exists.
    """
    result = Citations()
    numbers: list[int] = []
    for value in _SEPARATORS.split(text or ""):
        if not value:
            continue
        digits = _lesson_number(value)
        if digits is None:
            shown = value if len(value) <= 60 else value[:57] + "…"
            result.errors.append(
                f"“{shown}” is not a lesson: enter its number (such as 123) or its address "
                "(such as /lessons/123/)."
            )
        elif digits not in numbers:
            numbers.append(digits)
    if len(numbers) > MAX_CITATIONS:
        result.errors.append(f"Cite at most {MAX_CITATIONS} lessons in one item.")
        numbers = numbers[:MAX_CITATIONS]
    askable = [n for n in numbers if len(str(n)) <= _MAX_DIGITS]
    found = {
        lesson.pk: lesson
        for lesson in Lesson.objects.visible_to(user).filter(pk__in=askable).only("pk", "title")
    }
    for number in numbers:
        if number in found:
            result.lessons.append(found[number])
        else:
            result.errors.append(f"There is no lesson #{number} that you can see.")
    return result


def citation_text(lessons: Iterable[Lesson]) -> str:
    """Lessons as the citation field shows them: their numbers, comma-separated."""
    return ", ".join(str(lesson.pk) for lesson in lessons)


# -- reading ----------------------------------------------------------------------------------


def visible_sources(user: User | AnonymousUser) -> QuerySet[Lesson]:
    """The cited lessons a user may see, as an item lists them."""
    return Lesson.objects.visible_to(user).only("pk", "title", "status").order_by("title", "pk")


def items_of(checklist: Checklist, user: User | AnonymousUser) -> list[ChecklistItem]:
    """The checklist's items in order, each with ``number`` (its place, 1 first) and
    ``visible_sources``: the lessons it cites that this user may see (two queries, however
    many items and citations)."""
    items = list(
        checklist.items.order_by("order", "pk").prefetch_related(
            Prefetch("source_lessons", queryset=visible_sources(user), to_attr="visible_sources")
        )
    )
    for number, item in enumerate(items, start=1):
        item.number = number
    return items


def phase_name_suggestions(limit: int = 60) -> list[str]:
    """Phase names to offer when naming a checklist's phase: the default ones in their
    order, then the other names projects and checklists use (one query)."""
    used = (
        Phase.objects.order_by()
        .values_list("name", flat=True)
        .union(
            Checklist.objects.exclude(phase_name=None)
            .order_by()
            .values_list("phase_name", flat=True)
        )
    )
    others = sorted(set(used) - set(DEFAULT_PHASES), key=str.casefold)
    return [*DEFAULT_PHASES, *others][:limit]


GROUPINGS = {"type": "Project type", "phase": "Phase"}


@dataclass
class ChecklistGroup:
    heading: str
    checklists: list[Checklist]


def grouped_checklists(by: str = "type") -> list[ChecklistGroup]:
    """Every checklist with ``item_count``, grouped by project type or by phase, in one query.

    Checklists for every type (or every phase) come first, then the others by name.
    """
    checklists = Checklist.objects.select_related("project_type").annotate(
        item_count=Count("items")
    )
    if by == "phase":
        checklists = checklists.order_by(
            F("phase_name").asc(nulls_first=True),
            F("project_type__name").asc(nulls_first=True),
            "name",
            "pk",
        )
    else:
        checklists = checklists.order_by(
            F("project_type__name").asc(nulls_first=True),
            F("phase_name").asc(nulls_first=True),
            "name",
            "pk",
        )
    groups: list[ChecklistGroup] = []
    for checklist in checklists:
        if by == "phase":
            heading = checklist.phase_name or "Every phase"
        else:
            kind = checklist.project_type
            heading = kind.name if kind else "Every project type"
        if not groups or groups[-1].heading != heading:
            groups.append(ChecklistGroup(heading, []))
        groups[-1].checklists.append(checklist)
    return groups


def _cites_the_lesson() -> Exists:
    """Whether an item of the action's checklist already cites the action's lesson."""
    return Exists(
        ChecklistItem.source_lessons.through.objects.filter(
            checklistitem__checklist_id=OuterRef("target_checklist_id"),
            lesson_id=OuterRef("lesson_id"),
        )
    )


def waiting_updates(user: User | AnonymousUser) -> QuerySet[Action]:
    """Done actions that target a checklist none of whose items cites their lesson yet,
    on lessons the user may see, the longest done first."""
    return (
        Action.objects.filter(
            status=Action.Status.DONE,
            target_checklist__isnull=False,
            lesson__in=Lesson.objects.visible_to(user),
        )
        .exclude(_cites_the_lesson())
        .select_related("lesson", "target_checklist", "owner")
        .defer(*(f"lesson__{name}" for name in CARD_DEFERRED_FIELDS))
        .order_by(F("completed_on").asc(nulls_last=True), "pk")
    )


# -- checklists -------------------------------------------------------------------------------


def _clean_names(name: str, phase_name: str | None) -> tuple[str, str | None]:
    name = " ".join((name or "").split())
    phase = " ".join((phase_name or "").split()) or None  # NULL means every phase
    if not name:
        raise ChecklistError("Give the checklist a name.")
    if len(name) > NAME_LIMIT:
        raise ChecklistError(f"A checklist's name has at most {NAME_LIMIT} characters.")
    if phase and len(phase) > PHASE_LIMIT:
        raise ChecklistError(f"A phase name has at most {PHASE_LIMIT} characters.")
    return name, phase


def _refuse_twin(
    name: str, project_type: ProjectType | None, phase: str | None, exclude: int | None
) -> None:
    twins = Checklist.objects.filter(
        name__iexact=name, project_type=project_type, phase_name=phase
    ).exclude(pk=exclude)
    if twins.exists():
        raise ChecklistError(
            f"There is already a checklist “{name}” for "
            f"{project_type.name if project_type else 'every project type'} and "
            f"{phase or 'every phase'}: add the items to it instead."
        )


@transaction.atomic
def create_checklist(
    *, name: str, project_type: ProjectType | None = None, phase_name: str | None = None
) -> Checklist:
    """A new empty checklist; no project type or phase means it applies to every one."""
    name, phase = _clean_names(name, phase_name)
    _refuse_twin(name, project_type, phase, None)
    return Checklist.objects.create(name=name, project_type=project_type, phase_name=phase)


@transaction.atomic
def update_checklist(
    checklist: Checklist,
    *,
    name: str,
    project_type: ProjectType | None = None,
    phase_name: str | None = None,
) -> Checklist:
    name, phase = _clean_names(name, phase_name)
    _refuse_twin(name, project_type, phase, checklist.pk)
    checklist.name, checklist.project_type, checklist.phase_name = name, project_type, phase
    checklist.save(update_fields=["name", "project_type", "phase_name"])
    return checklist


@transaction.atomic
def delete_checklist(checklist: Checklist) -> int:
    """Delete a checklist and its items; returns how many items went.

    Actions that targeted it keep their free-text ``target`` and lose the link.
    """
    items = checklist.items.count()
    checklist.delete()
    return items


# -- items --------------------------------------------------------------------------------


def _locked(checklist: Checklist) -> list[ChecklistItem]:
    """The checklist's items in order, the checklist locked until the transaction ends."""
    Checklist.objects.select_for_update().filter(pk=checklist.pk).first()
    return list(ChecklistItem.objects.filter(checklist=checklist).order_by("order", "pk"))


def _renumber(items: list[ChecklistItem]) -> None:
    """Number the items 1..n in the list's order, writing only those that changed."""
    changed = []
    for number, item in enumerate(items, start=1):
        if item.order != number:
            item.order = number
            changed.append(item)
    ChecklistItem.objects.bulk_update(changed, ["order"])


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ChecklistError("Write the item's text.")
    if len(text) > TEXT_LIMIT:
        raise ChecklistError(f"An item has at most {TEXT_LIMIT} characters.")
    return text


@transaction.atomic
def add_item(
    checklist: Checklist,
    *,
    text: str,
    position: int | None = None,
    lessons: Iterable[Lesson] = (),
) -> ChecklistItem:
    """A new item at ``position`` (1 is first; none, or past the end: last), citing
    ``lessons`` (found through ``parse_citations``, so visible to whoever typed them)."""
    text = _clean_text(text)
    items = _locked(checklist)
    index = len(items) if position is None else min(max(position, 1), len(items) + 1) - 1
    item = ChecklistItem.objects.create(checklist=checklist, text=text, order=index + 1)
    items.insert(index, item)
    _renumber(items)
    item.source_lessons.set(list(lessons))
    return item


@transaction.atomic
def update_item(
    item: ChecklistItem,
    *,
    text: str,
    lessons: Iterable[Lesson],
    user: User | AnonymousUser,
) -> ChecklistItem:
    """New text and citations for an item.

    ``lessons`` replaces the citations the user can see; those they cannot see stay, since
    the user could neither read nor choose to remove them.
    """
    item.text = _clean_text(text)
    item.save(update_fields=["text"])
    hidden = item.source_lessons.exclude(pk__in=Lesson.objects.visible_to(user).values("pk"))
    item.source_lessons.set([*lessons, *hidden])
    return item


@transaction.atomic
def move_item(item: ChecklistItem, direction: str) -> bool:
    """Swap the item with the one above ("up") or below ("down"); False at either end."""
    if direction not in ("up", "down"):
        raise ChecklistError("Move an item up or down.")
    items = _locked(item.checklist)
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    moved = 0 <= target < len(items)
    if moved:
        items[index], items[target] = items[target], items[index]
    _renumber(items)
    item.order = (target if moved else index) + 1
    return moved


@transaction.atomic
def delete_item(item: ChecklistItem) -> int:
    """Delete an item, the ones after it moving up; returns the place it had (1 first)."""
    items = _locked(item.checklist)
    number = next(i for i, other in enumerate(items, start=1) if other.pk == item.pk)
    del items[number - 1]
    item.delete()
    _renumber(items)
    return number


# -- from a completed action ------------------------------------------------------------------


def _action_lesson(action: Action, user: User | AnonymousUser) -> Lesson:
    if action.target_checklist_id is None:
        raise ChecklistError("This action does not name a checklist.")
    lesson = Lesson.objects.visible_to(user).filter(pk=action.lesson_id).first()
    if lesson is None:
        raise ChecklistError("This action's lesson is not one you can see.")
    return lesson


def add_item_from_action(
    action: Action, *, user: User | AnonymousUser, text: str, position: int | None = None
) -> ChecklistItem:
    """A new item of the action's checklist, citing the action's lesson."""
    lesson = _action_lesson(action, user)
    return add_item(action.target_checklist, text=text, position=position, lessons=[lesson])


@transaction.atomic
def update_item_from_action(
    action: Action, item: ChecklistItem, *, user: User | AnonymousUser, text: str = ""
) -> bool:
    """New text for an item of the action's checklist (empty: kept), and the action's
    lesson added to its citations. Returns whether the lesson was newly cited."""
    lesson = _action_lesson(action, user)
    if item.checklist_id != action.target_checklist_id:
        raise ChecklistError("Choose an item of the checklist this action changes.")
    if text.strip():
        item.text = _clean_text(text)
        item.save(update_fields=["text"])
    if item.source_lessons.filter(pk=lesson.pk).exists():
        return False
    item.source_lessons.add(lesson)
    return True
