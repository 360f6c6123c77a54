"""Kick-off briefings: the lessons of earlier projects most relevant to a new one.

``relevant_lessons`` ranks in SQL (one query for the tags to match, one for the ranked
lessons, one for their tags), whatever the number of lessons. Every lesson comes from
``Lesson.objects.visible_to(user)``, and so does every tag name or count a reason quotes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from taggit.models import Tag, TaggedItem

from lessons.models import BAYES_PRIOR_SCORE, Checklist, ChecklistItem, Lesson
from projects.models import DEFAULT_PHASES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from projects.models import Phase, Project

# -- weights -----------------------------------------------------------------------------------
# The relevance of a lesson is the weighted sum of what it has in common with the project and
# how much it matters. The project's context weighs most (a lesson from a project of the same
# type is the likeliest to apply), then shared tags (specific subject matter), then impact and
# recurrence (costly or stubborn problems), then what readers found useful.
WEIGHT_SAME_TYPE = 4.0
WEIGHT_SAME_DEPARTMENT = 2.0
WEIGHT_PER_SHARED_TAG = 1.5
MAX_SHARED_TAGS_COUNTED = 4  # a lesson with many tags should not drown the project context
WEIGHT_CRITICAL = 3.0
WEIGHT_HIGH = 2.0
WEIGHT_RECURRING = 2.0
# Per point of the stored Bayesian usefulness above (or below) the prior of 3.0: from -4 to +4.
WEIGHT_PER_USEFULNESS_POINT = 2.0
# When the project has no lessons (and so no tags) yet, its type's most used tags stand in.
COMMON_TYPE_TAGS = 10

DEFAULT_LIMIT = 60
TOP_COUNT = 10


def _tags_to_match(project: Project, visible) -> list[Tag]:
    """The tags of this project's lessons, or else the most used ones of its project type."""
    lesson_type = ContentType.objects.get_for_model(Lesson)
    own = visible.filter(project=project).values("pk")
    tags = list(
        Tag.objects.filter(
            taggit_taggeditem_items__content_type=lesson_type,
            taggit_taggeditem_items__object_id__in=own,
        )
        .distinct()
        .order_by("name")
    )
    if tags:
        return tags
    same_type = (
        visible.published()
        .filter(project__project_type_id=project.project_type_id)
        .exclude(project=project)
        .values("pk")
    )
    return list(
        Tag.objects.filter(
            taggit_taggeditem_items__content_type=lesson_type,
            taggit_taggeditem_items__object_id__in=same_type,
        )
        .annotate(uses=Count("taggit_taggeditem_items"))
        .order_by("-uses", "name")[:COMMON_TYPE_TAGS]
    )


def _flag(condition: Q | Exists) -> Case:
    """1 where ``condition`` holds, else 0."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _shared_tags(tag_ids: list[int]) -> Least | Value:
    """How many of ``tag_ids`` a lesson carries, counted up to ``MAX_SHARED_TAGS_COUNTED``."""
    if not tag_ids:
        return Value(0)
    lesson_type = ContentType.objects.get_for_model(Lesson)
    carried = Subquery(
        TaggedItem.objects.filter(
            content_type=lesson_type, object_id=OuterRef("pk"), tag_id__in=tag_ids
        )
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    return Least(Coalesce(carried, Value(0)), Value(MAX_SHARED_TAGS_COUNTED))


def _scored(lessons: QuerySet, project: Project, visible: QuerySet, tag_ids: list[int]) -> QuerySet:
    """``lessons`` with what each has in common with ``project`` and its ``relevance``."""
    return lessons.annotate(
        same_type=_flag(Q(project__project_type_id=project.project_type_id)),
        same_department=_flag(Q(project__department_id=project.department_id)),
        shared_tags=_shared_tags(tag_ids),
        impact_weight=Case(
            When(impact=Lesson.Impact.CRITICAL, then=Value(WEIGHT_CRITICAL)),
            When(impact=Lesson.Impact.HIGH, then=Value(WEIGHT_HIGH)),
            default=Value(0.0),
            output_field=FloatField(),
        ),
        # Recurrence counts only through lessons the user may see: a reason must not hint
        # at a lesson they cannot open.
        recurring=_flag(
            Exists(visible.filter(pk=OuterRef("recurrence_of_id")))
            | Exists(visible.filter(recurrence_of_id=OuterRef("pk")))
        ),
    ).annotate(
        relevance=(
            F("same_type") * Value(WEIGHT_SAME_TYPE)
            + F("same_department") * Value(WEIGHT_SAME_DEPARTMENT)
            + F("shared_tags") * Value(WEIGHT_PER_SHARED_TAG)
            + F("impact_weight")
            + F("recurring") * Value(WEIGHT_RECURRING)
            + (F("usefulness") - Value(BAYES_PRIOR_SCORE)) * Value(WEIGHT_PER_USEFULNESS_POINT)
        )
    )


def relevant_lessons(
    project: Project,
    user: User | AnonymousUser,
    phase: Phase | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Lesson]:
    """The published lessons of other projects most relevant to ``project``, best first.

    Each lesson carries ``relevance`` (its score) and ``reasons`` (why it is listed, for
    display). With ``phase``, only lessons of phases of the same name count. Lessons with
    nothing in common with the project and no weight of their own (score 0 or less) are left
    out. Ties go to the more useful, then the more recent, then the higher id.
    """
    visible = Lesson.objects.visible_to(user)
    tags = _tags_to_match(project, visible)
    others = visible.published().filter(merged_into__isnull=True).exclude(project=project)
    if phase is not None:
        others = others.filter(phase__name=phase.name)
    candidates = _scored(others, project, visible, [tag.pk for tag in tags])
    best_first = (
        candidates.filter(relevance__gt=0)
        .for_cards()
        .order_by("-relevance", "-usefulness", F("published_at").desc(nulls_last=True), "-pk")
    )
    ranked = list(best_first[:limit])
    tag_names = {tag.name for tag in tags}
    for lesson in ranked:
        lesson.reasons = _reasons(lesson, tag_names)
    return ranked


def _reasons(lesson: Lesson, tag_names: set[str]) -> list[str]:
    reasons = []
    if lesson.same_type:
        reasons.append("Same project type")
    if lesson.same_department:
        reasons.append("Same department")
    shared = sorted(tag.name for tag in lesson.tag_list if tag.name in tag_names)
    if shared:
        reasons.append(f"Shares tags: {', '.join(shared)}")
    if lesson.impact in (Lesson.Impact.CRITICAL, Lesson.Impact.HIGH):
        reasons.append(f"{lesson.get_impact_display()} impact")
    if lesson.recurring:
        reasons.append("Recurring")
    if lesson.rating_count and lesson.usefulness > BAYES_PRIOR_SCORE:
        reasons.append(f"Rated {lesson.rating_avg:.1f} by {lesson.rating_count}")
    return reasons


# -- grouping ----------------------------------------------------------------------------------


@dataclass
class Group:
    phase: str
    category: str
    lessons: list[Lesson] = field(default_factory=list)


NO_PHASE = "No phase recorded"
NO_CATEGORY = "Uncategorised"


def group_by_phase_and_category(lessons: Iterable[Lesson]) -> list[Group]:
    """Lessons grouped by phase name (in the usual phase order), then category name.

    Within a group the lessons keep their rank.
    """
    groups: dict[tuple[str, str], Group] = {}
    for lesson in lessons:
        phase = lesson.phase.name if lesson.phase_id else NO_PHASE
        category = lesson.category.name if lesson.category_id else NO_CATEGORY
        groups.setdefault((phase, category), Group(phase, category)).lessons.append(lesson)

    def order(key: tuple[str, str]) -> tuple:
        phase, category = key
        known = DEFAULT_PHASES.index(phase) if phase in DEFAULT_PHASES else len(DEFAULT_PHASES)
        return (phase == NO_PHASE, known, phase, category == NO_CATEGORY, category)

    return [groups[key] for key in sorted(groups, key=order)]


# -- checklists --------------------------------------------------------------------------------


def checklists_for(project: Project, user: User | AnonymousUser, phase: Phase | None = None):
    """The checklists of the project's type and of every type, items in order.

    Each item's ``visible_sources`` lists only the lessons this user may see; its text is
    shown regardless. With ``phase``, only checklists for that phase name or every phase.
    """
    checklists = Checklist.objects.filter(
        Q(project_type_id=project.project_type_id) | Q(project_type__isnull=True)
    )
    if phase is not None:
        checklists = checklists.filter(Q(phase_name=phase.name) | Q(phase_name__isnull=True))
    sources = Lesson.objects.visible_to(user).only("pk", "title").order_by("title", "pk")
    items = ChecklistItem.objects.order_by("order", "pk").prefetch_related(
        Prefetch("source_lessons", queryset=sources, to_attr="visible_sources")
    )
    return (
        checklists.select_related("project_type")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by(F("phase_name").asc(nulls_first=True), "name", "pk")
    )


def checklist_items_from(lesson: Lesson) -> list[ChecklistItem]:
    """The checklist items that cite this lesson, with their checklist, in one query."""
    return list(
        lesson.checklist_items.select_related("checklist", "checklist__project_type").order_by(
            "checklist__name", "checklist_id", "order", "pk"
        )
    )
