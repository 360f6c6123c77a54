"""What curators look at and the rules for tags and categories.

Lesson transitions live in ``lessons.workflow``; this module holds the curator's lists (the
queue of submitted lessons, lessons due for review, possible duplicates, the archive) and
the small rules for renaming, merging and deleting tags and categories. Every list starts
from ``Lesson.objects.visible_to(user)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from lessons import search
from lessons.history import CHANGE_REASON_LENGTH
from lessons.models import CARD_DEFERRED_FIELDS, Category, Lesson
from lessons.text import LIKENESS_FIELDS, Wording, likeness
from lessons.workflow import MERGE_TARGET_STATUSES, recipient_of_news

if TYPE_CHECKING:
    from accounts.models import User

Status = Lesson.Status

# Possible duplicates: of the lessons search.similar() finds for a submitted lesson, at most
# this many that the likeness rule (lessons.text) accepts.
DUPLICATES_PER_LESSON = 3
# Each submitted lesson costs two search queries: only the oldest this many are compared.
DUPLICATE_SCAN_LIMIT = 40


class CurationError(Exception):
    """A tag or category change that is not allowed; the message says why, for the person."""


# -- the curator's lists ------------------------------------------------------------------------


def _submitted_since() -> Coalesce:
    """When the lesson was last sent for review: the first history row of its current
    "submitted" stretch, so a curator's edits meanwhile do not make it younger. A lesson
    that was never anything but submitted (created so, or loaded in bulk) was submitted
    when it was created."""
    history = Lesson.history.model.objects

    def not_submitted(lesson_id: OuterRef) -> QuerySet:
        return history.filter(id=lesson_id).exclude(status=Status.SUBMITTED)

    last_other = (
        not_submitted(OuterRef(OuterRef("pk")))
        .order_by("-history_date", "-history_id")
        .values("history_date")[:1]
    )
    first_submitted = (
        history.filter(id=OuterRef("pk"), status=Status.SUBMITTED)
        .filter(history_date__gt=Subquery(last_other))
        .order_by("history_date", "history_id")
        .values("history_date")[:1]
    )
    return Coalesce(
        Case(
            When(Exists(not_submitted(OuterRef("pk"))), then=Subquery(first_submitted)),
            default=F("created_at"),
        ),
        F("created_at"),
        output_field=DateTimeField(),
    )


def _for_rows(lessons: QuerySet) -> QuerySet:
    """What a row of a curator's list shows: no long texts, related rows joined."""
    return lessons.select_related("project", "category", "submitted_by", "merged_into").defer(
        *CARD_DEFERRED_FIELDS
    )


def submitted_queue(user: User) -> QuerySet:
    """Submitted lessons, the longest waiting first."""
    return _for_rows(
        Lesson.objects.visible_to(user)
        .filter(status=Status.SUBMITTED)
        .annotate(submitted_at=_submitted_since())
        .order_by("submitted_at", "pk")
    )


def due_for_review(user: User) -> QuerySet:
    """Published lessons whose review date has passed, the longest overdue first."""
    return _for_rows(
        Lesson.objects.visible_to(user)
        .filter(status=Status.PUBLISHED, review_due__lt=timezone.localdate())
        .order_by("review_due", "pk")
    )


def archived(user: User) -> QuerySet:
    """Archived lessons (merged duplicates included), the most recently changed first."""
    return _for_rows(
        Lesson.objects.visible_to(user)
        .filter(status=Status.ARCHIVED)
        .order_by("-updated_at", "-pk")
    )


def queue_counts(user: User) -> dict[str, int]:
    """The size of each list, in one query."""
    return Lesson.objects.visible_to(user).aggregate(
        submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
        due=Count("pk", filter=Q(status=Status.PUBLISHED, review_due__lt=timezone.localdate())),
        archived=Count("pk", filter=Q(status=Status.ARCHIVED)),
    )


def merge_candidates(user: User, lesson: Lesson) -> QuerySet:
    """Lessons another one may be merged into: visible, findable, not merged, not itself."""
    return (
        Lesson.objects.visible_to(user)
        .filter(status__in=MERGE_TARGET_STATUSES, merged_into__isnull=True)
        .exclude(pk=lesson.pk)
    )


def find_merge_candidates(user: User, lesson: Lesson, text: str, limit: int = 10) -> list[Lesson]:
    """Candidates matching words of their text, or the one with that number."""
    candidates = merge_candidates(user, lesson)
    found: list[Lesson] = []
    text = text.strip()
    if text.lstrip("#").isdigit():
        found = list(_for_rows(candidates.filter(pk=int(text.lstrip("#")))))
    if not search.parse_query(text).has_positive_terms:
        return found  # only common words: they would match everything
    matches = search.matching(candidates, text).order_by("-search_rank", "-pk")
    found += [m for m in _for_rows(matches)[:limit] if all(m.pk != f.pk for f in found)]
    return found[:limit]


@dataclass
class DuplicatePair:
    lesson: Lesson  # the submitted lesson
    other: Lesson  # a published or submitted lesson much like it
    shared: list[str]  # the words they share, as the submitted lesson writes them
    overlap: float


def _with_likeness_fields(lessons: QuerySet) -> QuerySet:
    """Rows as a curator's list loads them, plus the text the likeness rule reads."""
    return lessons.defer(None).defer(
        *(name for name in CARD_DEFERRED_FIELDS if name not in LIKENESS_FIELDS)
    )


def possible_duplicates(user: User) -> tuple[list[DuplicatePair], int, int]:
    """Pairs of a submitted lesson and a visible lesson much like it, each pair once.

    A pair is two lessons the likeness rule (``lessons.text``) finds alike, the rule the
    author's check before submitting applies too. Returns the pairs, how many submitted
    lessons were compared, and how many are waiting. Only the oldest
    ``DUPLICATE_SCAN_LIMIT`` submitted lessons are compared (two search queries each), so
    the page stays quick however long the queue grows.
    """
    queue = _with_likeness_fields(submitted_queue(user).with_tag_list())
    waiting = queue.count()
    scanned = list(queue[:DUPLICATE_SCAN_LIMIT])
    pool = _with_likeness_fields(
        _for_rows(
            # The lessons a duplicate could be merged into.
            Lesson.objects.visible_to(user).filter(
                status__in=MERGE_TARGET_STATUSES, merged_into__isnull=True
            )
        )
    )
    pairs: list[DuplicatePair] = []
    seen: set[frozenset[int]] = set()
    for lesson in scanned:
        text = " ".join([lesson.title, lesson.summary, *(tag.name for tag in lesson.tag_list)])
        found = search.similar(pool.exclude(pk=lesson.pk), text, limit=DUPLICATES_PER_LESSON * 2)
        mine = Wording.of(lesson)
        kept = 0
        for other in found:
            alike = likeness(mine, Wording.of(other))
            key = frozenset({lesson.pk, other.pk})
            if alike is None or key in seen:
                continue
            seen.add(key)
            pairs.append(DuplicatePair(lesson, other, alike.shared, alike.overlap))
            kept += 1
            if kept == DUPLICATES_PER_LESSON:
                break
    return pairs, len(scanned), waiting


def news_sent_to(lesson: Lesson) -> str:
    """The end of a curator's message, saying who heard about their action by e-mail."""
    recipient = recipient_of_news(lesson)
    if recipient is not None:
        return f"; {recipient.display_name} was told by e-mail"
    if lesson.is_anonymous:
        return " (anonymous: nobody was e-mailed)"
    if lesson.submitted_by is None:
        return " (no submitter on record: nobody was e-mailed)"
    if not lesson.submitted_by.is_active:
        return f" ({lesson.submitted_by.display_name} has left: nobody was e-mailed)"
    return f" ({lesson.submitted_by.display_name} has no e-mail address: nobody was e-mailed)"


# -- tags -----------------------------------------------------------------------------------------


def tags_with_usage(text: str = "", unused_only: bool = False) -> QuerySet:
    """Every tag with ``uses`` (tagged items of any kind) and ``lesson_uses``, by name."""
    lesson_type = ContentType.objects.get_for_model(Lesson)
    tags = Tag.objects.annotate(
        uses=Count("taggit_taggeditem_items"),
        lesson_uses=Count(
            "taggit_taggeditem_items",
            filter=Q(taggit_taggeditem_items__content_type=lesson_type),
        ),
    ).order_by("name")
    if text.strip():
        tags = tags.filter(Q(name__icontains=text.strip()) | Q(slug__icontains=text.strip()))
    if unused_only:
        tags = tags.filter(uses=0)
    return tags


def lessons_tagged(tag: Tag) -> QuerySet:
    lesson_type = ContentType.objects.get_for_model(Lesson)
    ids = TaggedItem.objects.filter(tag=tag, content_type=lesson_type).values("object_id")
    return Lesson.objects.filter(pk__in=ids)


def _unique_slug(name: str, exclude_pk: int) -> str:
    base = slugify(name, allow_unicode=True)[:90] or "tag"
    taken = set(
        Tag.objects.exclude(pk=exclude_pk)
        .filter(slug__startswith=base)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return slug


def tag_name_problem(name: str, tag: Tag | None = None) -> str | None:
    """Why a tag cannot have this name, or None."""
    if not name:
        return "Enter the tag's name."
    if any(mark in name for mark in ',"'):
        return "A tag's name cannot contain commas or quotation marks."
    same = Tag.objects.filter(name__iexact=name)
    if tag is not None:
        same = same.exclude(pk=tag.pk)
    existing = same.first()
    if existing is not None:
        return f"There is already a tag “{existing.name}”: merge this tag into it instead."
    return None


def _record_in_history(lesson_ids: list[int], *, by: User | None, reason: str) -> None:
    """One history row per lesson a tag change touched: who, when and why.

    The lessons themselves are not saved (their version stays, so nobody's open edit is
    refused over a tag). The rows copy each lesson as it is, except that an anonymous
    lesson's history never names its author, drafts included.
    """
    lessons = list(Lesson.objects.filter(pk__in=lesson_ids))
    for lesson in lessons:
        if lesson.is_anonymous:
            lesson.submitted_by_id = None  # only in the copy written to history
    Lesson.history.bulk_history_create(
        lessons, update=True, default_user=by, default_change_reason=reason[:CHANGE_REASON_LENGTH]
    )


@transaction.atomic
def rename_tag(tag: Tag, name: str, *, by: User | None = None) -> Tag:
    """Rename a tag everywhere at once; its lessons are found by the new name.

    The slug (used in search addresses) follows the name. Saving the tag reindexes its
    lessons (lessons.signals).
    """
    name = name.strip()
    problem = tag_name_problem(name, tag)
    if problem:
        raise CurationError(problem)
    old_name = tag.name
    tag.name = name
    tag.slug = _unique_slug(name, tag.pk)
    tag.save()
    _record_in_history(
        list(lessons_tagged(tag).values_list("pk", flat=True)),
        by=by,
        reason=f"Tag “{old_name}” renamed to “{name}”",
    )
    return tag


@transaction.atomic
def merge_tags(source: Tag, into: Tag, *, by: User | None = None) -> int:
    """Move everything tagged ``source`` to ``into`` and delete ``source``.

    An item tagged with both keeps one ``into`` row. The lessons concerned are reindexed,
    so a search finds them by the kept tag's name. Returns how many items were moved.
    """
    if source.pk == into.pk:
        raise CurationError("A tag cannot be merged into itself.")
    items = TaggedItem.objects.filter(tag=source)
    lesson_type = ContentType.objects.get_for_model(Lesson)
    lesson_ids = list(items.filter(content_type=lesson_type).values_list("object_id", flat=True))
    carries_both = TaggedItem.objects.filter(
        tag=into, content_type_id=OuterRef("content_type_id"), object_id=OuterRef("object_id")
    )
    # Delete the doubles first: a list of their ids, because a DELETE may not read the
    # table it deletes from on every database.
    doubles = list(items.filter(Exists(carries_both)).values_list("pk", flat=True))
    TaggedItem.objects.filter(pk__in=doubles).delete()
    moved = TaggedItem.objects.filter(tag=source).update(tag=into)
    source.delete()
    search.index_lessons(lesson_ids)
    _record_in_history(lesson_ids, by=by, reason=f"Tag “{source.name}” merged into “{into.name}”")
    return moved


def _count(number: int, noun: str) -> str:
    """A number with its noun: "1 lesson", "2 lessons"."""
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _delete_unless_used(item: Tag | Category, uses: int, used: str, instead: str) -> None:
    """Delete ``item`` when nothing uses it; else refuse: “name” ``used``: ``instead``."""
    if uses:
        raise CurationError(f"“{item.name}” {used}: {instead}.")
    item.delete()


@transaction.atomic
def delete_unused_tag(tag: Tag) -> None:
    uses = TaggedItem.objects.filter(tag=tag).count()
    instead = "merge it into another tag instead, or remove it from those lessons first"
    _delete_unless_used(tag, uses, f"is still used {_count(uses, 'time')}", instead)


# -- categories -----------------------------------------------------------------------------------


def categories_with_usage() -> QuerySet:
    return Category.objects.annotate(uses=Count("lessons")).order_by("name")


@transaction.atomic
def delete_unused_category(category: Category) -> None:
    """Delete a category no lesson uses, in any status (archived ones too)."""
    uses = Lesson.objects.filter(category=category).count()
    used = f"is used by {_count(uses, 'lesson')}, so it cannot be deleted"
    instead = "give those lessons another category first, or rename this one"
    _delete_unless_used(category, uses, used, instead)
