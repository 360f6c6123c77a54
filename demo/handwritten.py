"""Place the hand-written demo lessons on the demo projects and give them a life.

Each lesson goes to a project of its project type (a recurrence to a later project than the
lesson it repeats), gets a status, visibility and author, and the published ones get ratings,
daily views, follow-up actions, applications on later projects and initiation checklists.
The random choices come from the ``rng`` that ``seed_demo`` passes, in a fixed order, so a
fresh database always gets the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from accounts.models import User
from demo.content import lesson_parts
from demo.data import CONTRIBUTOR_PROJECTS, PROJECTS
from demo.organisation import TODAY, add_months, aware
from lessons.models import (
    Action,
    Application,
    Category,
    Checklist,
    ChecklistItem,
    Lesson,
    LessonViewDay,
    Rating,
    bayesian_usefulness,
)
from projects.models import Membership, Phase, PhaseReview, Project, ProjectType

# Fields copied as they are from a hand-written lesson.
COPIED_FIELDS = (
    "title",
    "summary",
    "context",
    "root_cause",
    "recommendation",
    "early_warning",
    "kind",
    "impact",
    "likelihood",
)
# (upper bound of a random roll in [0, 1), value): the first bound above the roll wins.
STATUS_ROLLS = (
    (0.80, "published"),
    (0.87, "submitted"),
    (0.92, "draft"),
    (0.97, "archived"),
    (1.0, "rejected"),
)
VISIBILITY_ROLLS = ((0.80, "organisation"), (0.93, "project"), (1.0, "restricted"))
# The target of actions that add a step to a project type's initiation checklist.
CHECKLIST_TARGET = "project initiation checklist"
# Mean rating of a lesson by impact.
RATING_BY_IMPACT = {"low": 3.0, "medium": 3.5, "high": 4.0, "critical": 4.2}
RATER_COUNTS = [0, 0, 1, 2, 3, 4, 6, 8, 12]
# (description template, target) of follow-up actions.
ACTION_TEMPLATES = [
    ("Add a step to the {target} covering: {title}", CHECKLIST_TARGET),
    (
        "Update the {target} so the next team does not repeat this: {title}",
        "risk register template",
    ),
    ("Brief the PMO community on this lesson and record it in the {target}", "PMO handbook"),
    ("Turn this lesson into a question in the {target}", "stage-gate review template"),
    ("Agree an owner and a standard wording in the {target}", "supplier contract template"),
]
ACTION_STATUSES = ["open", "open", "in_progress", "done", "done", "dropped"]
APPLICATION_HOWS = [
    "Added to our planning checklist and walked through it at the kick-off.",
    "Used the recommendation when writing the supplier statement of work.",
    "Built the suggested buffer into the plan and tracked it weekly.",
    "Shared with the team at the phase review and changed our approach.",
    "Raised it with the sponsor at the first steering group; they agreed the change.",
    "Copied the template the earlier team described and adapted it.",
]
# Half the applications were effective.
APPLICATION_OUTCOMES = ["effective"] * 3 + ["partly", "not_effective", "too_early"]
HOURS_SAVED = [4, 8, 12, 16, 24, 40, 80]
CHECKLIST_SIZE = 6


@dataclass
class Setting:
    """What a lesson is placed in: the projects under way by TODAY and their details."""

    projects: list[Project]
    by_type: dict[str, list[Project]]
    categories: dict[str, Category]
    phases: dict[tuple[int, str], Phase]  # by (project id, phase name)
    reviews: dict[tuple[int, int], PhaseReview]  # by (project id, phase id)
    team: dict[int, list[int]]  # user ids by project id
    contributor: User
    curator: User

    @classmethod
    def load(cls) -> Setting:
        projects = list(
            Project.objects.filter(start_date__lte=TODAY).select_related("project_type")
        )
        by_type = defaultdict(list)
        for project in projects:
            by_type[project.project_type.slug].append(project)
        team = defaultdict(list)
        for membership in Membership.objects.all():
            team[membership.project_id].append(membership.user_id)
        return cls(
            projects=projects,
            by_type=by_type,
            categories={c.slug: c for c in Category.objects.all()},
            phases={(p.project_id, p.name): p for p in Phase.objects.all()},
            reviews={(r.project_id, r.phase_id): r for r in PhaseReview.objects.all()},
            team=team,
            contributor=User.objects.get(username="contributor"),
            curator=User.objects.get(username="curator"),
        )


def seed_lessons(rng: random.Random) -> int:
    """Create the hand-written lessons and their use, unless the demo projects have lessons."""
    codes = [project.code for project in PROJECTS]
    if Lesson.objects.filter(project__code__in=codes).exists():
        return 0
    setting = Setting.load()
    users = list(User.objects.all())
    lessons = [lesson for part in lesson_parts() for lesson in _place_part(rng, part, setting)]
    _add_ratings_and_views(rng, lessons, users)
    # The demo contributor and curator own more actions than others, so their pages show some.
    owners = [*users, setting.contributor, setting.contributor, setting.curator]
    _add_actions(rng, lessons, owners)
    _add_applications(rng, lessons, setting.projects, setting.team)
    _add_checklists(lessons)
    return len(lessons)


def _place_part(rng: random.Random, part: list[dict[str, Any]], setting: Setting) -> list[Lesson]:
    """The lessons of one content file, in order (``recurs`` points to an earlier one)."""
    placed: list[Lesson] = []
    for entry in part:
        original = placed[entry["recurs"]] if entry["recurs"] is not None else None
        project = _pick_project(rng, entry["project_type"], original, setting)
        placed.append(_create_lesson(rng, entry, project, original, setting))
    return placed


def _pick_project(
    rng: random.Random, type_slug: str, original: Lesson | None, setting: Setting
) -> Project:
    """A project of the type; for a recurrence, one that started after the original's."""
    candidates = setting.by_type.get(type_slug) or setting.projects
    if original is not None:
        start = original.project.start_date
        later = [p for p in candidates if p.start_date > start]
        later = later or [p for p in setting.projects if p.start_date > start]
        if later:
            return rng.choice(later)
    return rng.choice(candidates)


def _create_lesson(
    rng: random.Random,
    entry: dict[str, Any],
    project: Project,
    original: Lesson | None,
    setting: Setting,
) -> Lesson:
    phase = setting.phases.get((project.id, entry["phase"]))
    occurred_on = _occurred_on(rng, project, phase)
    status = _by_roll(rng.random(), STATUS_ROLLS)
    visibility = _by_roll(rng.random(), VISIBILITY_ROLLS)
    is_anonymous = rng.random() < 0.08
    author_id = _author_id(rng, project, setting)
    published = status in ("published", "archived")
    published_on = min(occurred_on + dt.timedelta(days=rng.randint(7, 40)), TODAY)
    review = setting.reviews.get((project.id, phase.id)) if phase else None
    lesson = Lesson(
        **{name: entry[name] for name in COPIED_FIELDS},
        category=setting.categories[entry["category"]],
        project=project,
        phase=phase,
        review=review if review and rng.random() < 0.7 else None,
        occurred_on=occurred_on,
        submitted_by_id=author_id,
        is_anonymous=is_anonymous,
        visibility=visibility,
        status=status,
        published_at=aware(published_on) if published else None,
        reviewed_by=setting.curator if status in ("published", "archived", "rejected") else None,
        review_due=add_months(published_on, 12) if published else None,
        recurrence_of=original,
        created_at=aware(occurred_on, 9),
    )
    lesson.save()
    lesson.tags.add(*entry["tags"])
    return lesson


def _by_roll(roll: float, rolls: tuple[tuple[float, str], ...]) -> str:
    return next(value for bound, value in rolls if roll < bound)


def _occurred_on(rng: random.Random, project: Project, phase: Phase | None) -> dt.date:
    """A day within the phase (or the project's start), never after TODAY."""
    occurred_on = phase.start_date if phase else project.start_date
    if phase and phase.end_date and phase.end_date > phase.start_date:
        span = (min(phase.end_date, TODAY) - phase.start_date).days
        occurred_on = phase.start_date + dt.timedelta(days=rng.randint(0, max(span, 0)))
    return min(occurred_on, TODAY)


def _author_id(rng: random.Random, project: Project, setting: Setting) -> int:
    """Often the demo contributor on their projects, otherwise someone of the team."""
    if project.code in CONTRIBUTOR_PROJECTS and rng.random() < 0.4:
        return setting.contributor.id
    return rng.choice(setting.team[project.id])


def _add_ratings_and_views(rng: random.Random, lessons: list[Lesson], users: list[User]) -> None:
    """Ratings and daily views of the published lessons, and the counters that sum them up."""
    ratings, view_days = [], []
    for lesson in lessons:
        if lesson.status != "published":
            continue
        for rater in rng.sample(users, rng.choice(RATER_COUNTS)):
            score = max(1, min(5, round(rng.gauss(RATING_BY_IMPACT[lesson.impact], 0.9))))
            ratings.append(Rating(lesson=lesson, user=rater, score=score))
        lesson_views = _view_days(rng, lesson)
        lesson.view_count = sum(view_day.count for view_day in lesson_views)
        view_days += lesson_views
    Rating.objects.bulk_create(ratings)
    LessonViewDay.objects.bulk_create(view_days)
    scores_by_lesson = defaultdict(list)
    for rating in ratings:
        scores_by_lesson[rating.lesson_id].append(rating.score)
    for lesson in lessons:
        scores = scores_by_lesson.get(lesson.id, [])
        lesson.rating_count = len(scores)
        lesson.rating_avg = round(sum(scores) / len(scores), 4) if scores else 0.0
        lesson.usefulness = bayesian_usefulness(lesson.rating_avg, lesson.rating_count)
    # Counters are written directly: Lesson.save() never writes them (see the model).
    Lesson.objects.bulk_update(lessons, ["view_count", "rating_count", "rating_avg", "usefulness"])


def _view_days(rng: random.Random, lesson: Lesson) -> list[LessonViewDay]:
    """Views on a few days of the last 400, none before the lesson was published."""
    view_days = []
    for offset in sorted(rng.sample(range(1, 400), rng.randint(1, 12))):
        day = TODAY - dt.timedelta(days=offset)
        if lesson.published_at and day < lesson.published_at.date():
            continue
        view_days.append(LessonViewDay(lesson=lesson, day=day, count=rng.randint(1, 9)))
    return view_days


def _add_actions(rng: random.Random, lessons: list[Lesson], owners: list[User]) -> None:
    """Follow-up actions on about a third of the published lessons of what to avoid."""
    actions = []
    for lesson in lessons:
        if lesson.kind == "went_well" or lesson.status != "published" or rng.random() > 0.35:
            continue
        template, target = rng.choice(ACTION_TEMPLATES)
        due = lesson.published_at.date() + dt.timedelta(days=rng.randint(20, 200))
        status = rng.choice(ACTION_STATUSES)
        actions.append(
            Action(
                lesson=lesson,
                description=template.format(target=target, title=lesson.title.lower()),
                owner=rng.choice(owners),
                due_on=due,
                status=status,
                impact=rng.randint(1, 5),
                effort=rng.randint(1, 5),
                target=target,
                completed_on=min(due, TODAY) if status == "done" else None,
                created_at=lesson.published_at,
            )
        )
    Action.objects.bulk_create(actions)


def _add_applications(
    rng: random.Random,
    lessons: list[Lesson],
    projects: list[Project],
    team: dict[int, list[int]],
) -> None:
    """About a third of the published lessons applied on one or two later projects."""
    applications = []
    for lesson in lessons:
        if lesson.status != "published" or rng.random() > 0.3:
            continue
        later = [p for p in projects if p.start_date > lesson.project.start_date]
        for project in rng.sample(later, min(len(later), rng.randint(1, 2))):
            outcome = rng.choice(APPLICATION_OUTCOMES)
            applied_on = min(add_months(project.start_date, rng.randint(0, 4)), TODAY)
            applications.append(
                Application(
                    lesson=lesson,
                    project=project,
                    applied_by_id=rng.choice(team[project.id]),
                    applied_on=applied_on,
                    how=rng.choice(APPLICATION_HOWS),
                    outcome=outcome,
                    hours_saved=(
                        rng.choice(HOURS_SAVED) if outcome in ("effective", "partly") else None
                    ),
                )
            )
    Application.objects.bulk_create(applications)


def _add_checklists(lessons: list[Lesson]) -> None:
    """An initiation checklist per project type, citing its first published lessons."""
    cited_by_type = defaultdict(list)
    for lesson in lessons:
        if lesson.status == "published" and lesson.kind != "went_well":
            cited_by_type[lesson.project.project_type_id].append(lesson)
    for project_type in ProjectType.objects.all():
        cited = cited_by_type.get(project_type.id, [])[:CHECKLIST_SIZE]
        if not cited:
            continue
        checklist = Checklist.objects.create(
            name=f"{project_type.name}: initiation checklist",
            project_type=project_type,
            phase_name="Initiation",
        )
        for order, lesson in enumerate(cited, start=1):
            item = ChecklistItem.objects.create(
                checklist=checklist,
                order=order,
                text=lesson.recommendation.splitlines()[0].lstrip("- ")[:300],
            )
            item.source_lessons.add(lesson)
        # Actions that add a step to "the project initiation checklist" change this one.
        Action.objects.filter(
            target=CHECKLIST_TARGET, lesson__project__project_type=project_type
        ).update(target_checklist=checklist)
