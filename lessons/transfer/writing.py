"""Running an import: the check, and, when asked and nothing is wrong, the lessons written.

``run_import(table, options, user, dry_run=True)`` validates every row and reports, row by
row, what is wrong and what would be created or skipped, writing nothing
(lessons/transfer/planning.py). With ``dry_run=False`` the same checks run and, only if no
row has a problem, every lesson is created in one transaction: all or nothing.

Rules:
- Imported lessons are ``submitted`` (they wait in the curators' queue) unless the importer
  chooses to publish them; either way their history says "Imported from <file>" and names
  the curator who imported them. ``submitted_by`` stays empty: a spreadsheet's "logged by"
  is a name, not an account, and Hindsight never invents an author.
- Lessons, their history rows and tags are written with bulk inserts, and the search index
  is brought up to date for them in the same transaction (lessons/search/).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator, slugify
from taggit.models import Tag, TaggedItem

from lessons import search
from lessons.history import CHANGE_REASON_LENGTH
from lessons.models import Category, Lesson
from lessons.transfer.columns import ImportOptions
from lessons.transfer.planning import BATCH_SIZE, Plan, plan_import
from lessons.transfer.reading import Table
from lessons.transfer.report import ImportReport, Problem
from lessons.transfer.rows import Row
from lessons.workflow import default_review_due
from projects.models import Department, Phase, Project, ProjectType

if TYPE_CHECKING:
    from accounts.models import User

INDEX_BATCH_SIZE = 2000  # lessons per search-index and history statement
UNSPECIFIED = "Unspecified"  # type and department of projects an import creates

logger = logging.getLogger(__name__)


def run_import(
    table: Table, options: ImportOptions, user: User | None = None, *, dry_run: bool = True
) -> ImportReport:
    """Check every row; unless ``dry_run``, create the lessons if no row has a problem.

    All or nothing: one problem anywhere and nothing is written.
    """
    started = time.monotonic()
    plan = plan_import(table, options, user, dry_run)
    report = plan.report
    if not dry_run and report.ok and plan.rows:
        try:
            with transaction.atomic():
                report.created_ids = _write(plan, options, user)
        except (IntegrityError, DataError):
            logger.exception("Import of %s refused by the database", options.filename)
            report.created_ids = []
            report.problems.append(
                Problem(
                    0,
                    "",
                    "The database refused the import (someone may have saved the same "
                    "references or names meanwhile): nothing was imported. Check the file "
                    "again.",
                )
            )
    report.seconds = time.monotonic() - started
    return report


def _write(plan: Plan, options: ImportOptions, user: User | None) -> list[int]:
    now = timezone.now()
    # New projects (with the default phases), then phases, categories and tags.
    _create_projects(plan, options)
    phases = _phase_ids(plan)
    categories = _create_categories(plan)
    tag_ids = _tag_ids(plan)
    lessons = _new_lessons(plan, options, user, now, categories, phases)
    Lesson.objects.bulk_create(lessons, batch_size=BATCH_SIZE)
    ids = [lesson.pk for lesson in lessons]
    reason = Truncator(f"Imported from {options.filename or 'a file'}").chars(CHANGE_REASON_LENGTH)
    _record_history(ids, user, reason, now)
    _tag(lessons, plan.rows, tag_ids)
    for start in range(0, len(ids), INDEX_BATCH_SIZE):
        search.index_lessons(ids[start : start + INDEX_BATCH_SIZE])
    return ids


def _unspecified_project_context() -> tuple[ProjectType, Department]:
    kind = ProjectType.objects.filter(Q(slug="unspecified") | Q(name=UNSPECIFIED)).first()
    if kind is None:
        kind = ProjectType.objects.create(slug="unspecified", name=UNSPECIFIED)
    department, _ = Department.objects.get_or_create(name=UNSPECIFIED)
    return kind, department


def _create_projects(plan: Plan, options: ImportOptions) -> None:
    """The new projects, closed, with the default phases; their ids go into the plan."""
    if not plan.new_projects:
        return
    project_type, department = _unspecified_project_context()
    for key, name in plan.new_projects.items():
        project = Project.objects.create(
            code=plan.codes[key],
            name=name,
            description=f"Created by the import of {options.filename}.",
            project_type=project_type,
            department=department,
            status=Project.Status.CLOSED,
        )
        project.add_default_phases()
        plan.project_ids[key] = project.pk


def _phase_ids(plan: Plan) -> dict[tuple[int, str], int]:
    """(project id, lower-case name) -> id of the rows' projects' phases, new ones created."""
    phases = {
        (project_id, name.casefold()): pk
        for pk, project_id, name in Phase.objects.filter(
            project_id__in=set(plan.project_ids.values())
        ).values_list("id", "project_id", "name")
    }
    for (code, folded), name in plan.new_phases.items():
        project_id = plan.project_ids[code]
        if (project_id, folded) not in phases:
            order = Phase.objects.filter(project_id=project_id).count() + 1
            phases[(project_id, folded)] = Phase.objects.create(
                project_id=project_id, name=name, order=order
            ).pk
    return phases


def _create_categories(plan: Plan) -> dict[str, int]:
    """The new categories: lower-case name -> id."""
    categories = {}
    if plan.new_categories:
        slugs = _unique_slugs(list(plan.new_categories.values()), Category, slugify)
        for folded, name in plan.new_categories.items():
            categories[folded] = Category.objects.create(name=name, slug=slugs[name]).pk
    return categories


def _tag_ids(plan: Plan) -> dict[str, int]:
    """Every tag of the rows, new ones created: lower-case name -> id."""
    tag_ids = dict(plan.lookups.tags)
    if plan.new_tags:
        names = list(plan.new_tags.values())
        slugs = _unique_slugs(names, Tag, lambda name: Tag().slugify(name))
        Tag.objects.bulk_create([Tag(name=name, slug=slugs[name]) for name in names])
        for name, pk in Tag.objects.filter(slug__in=list(slugs.values())).values_list("name", "id"):
            tag_ids[name.casefold()] = pk
    return tag_ids


def _unique_slugs(names: list[str], model, make_slug) -> dict[str, str]:
    """A slug for each new name that no row of ``model`` (or another new name) has yet."""
    room = model._meta.get_field("slug").max_length - 6  # for a "_123" suffix
    wanted = {name: (make_slug(name) or "tag")[:room] for name in names}
    taken = set(model.objects.filter(slug__in=list(wanted.values())).values_list("slug", flat=True))
    slugs = {}
    for name, base in wanted.items():
        slug, n = base, 1
        while slug in taken:
            slug = f"{base}_{n}"
            n += 1
        taken.add(slug)
        slugs[name] = slug
    return slugs


def _new_lessons(
    plan: Plan,
    options: ImportOptions,
    user: User | None,
    now: dt.datetime,
    categories: dict[str, int],
    phases: dict[tuple[int, str], int],
) -> list[Lesson]:
    """The lessons of the rows to create, unsaved, submitted or published."""
    status = Lesson.Status.PUBLISHED if options.publish else Lesson.Status.SUBMITTED
    published = (
        {
            "published_at": now,
            "reviewed_by": user,
            "review_due": default_review_due(),
        }
        if options.publish
        else {}
    )
    return [
        _lesson(plan, row, categories, phases, status=status, created_at=now, **published)
        for row in plan.rows
    ]


def _lesson(
    plan: Plan,
    row: Row,
    categories: dict[str, int],
    phases: dict[tuple[int, str], int],
    **fields: Any,
) -> Lesson:
    """A row's lesson, its new category or phase (named in the plan) by its id."""
    values = dict(row.values)
    values.pop("_skip", None)
    category = values.pop("category_id")
    phase = values.pop("phase_id")
    return Lesson(
        **values,
        project_id=plan.project_ids[row.project_key],
        category_id=categories[category] if isinstance(category, str) else category,
        phase_id=phases[(plan.project_ids[phase[0]], phase[1])]
        if isinstance(phase, tuple)
        else phase,
        **fields,
    )


def _tag(lessons: list[Lesson], rows: list[Row], tag_ids: dict[str, int]) -> None:
    content_type = ContentType.objects.get_for_model(Lesson)
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(
                content_type=content_type, object_id=lesson.pk, tag_id=tag_ids[tag.casefold()]
            )
            for lesson, row in zip(lessons, rows, strict=True)
            for tag in row.tags
        ],
        batch_size=BATCH_SIZE * 4,
    )


def _record_history(ids: list[int], user: User | None, reason: str, when: dt.datetime) -> None:
    """The first history row of each new lesson, copied from the lesson rows by the database.

    django-simple-history's ``bulk_history_create`` would build a model instance per row in
    Python; copying in SQL writes the very same row (every tracked column, who, when, why)
    at a fraction of the cost.
    """
    history = Lesson.history.model
    columns = ", ".join(connection.ops.quote_name(f.column) for f in history.tracked_fields)
    when = connection.ops.adapt_datetimefield_value(when)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), INDEX_BATCH_SIZE):
            chunk = ids[start : start + INDEX_BATCH_SIZE]
            cursor.execute(
                f"INSERT INTO {history._meta.db_table} ({columns}, history_date, "
                "history_change_reason, history_type, history_user_id) "
                f"SELECT {columns}, %s, %s, '+', %s FROM {Lesson._meta.db_table} "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))}) ORDER BY id",
                [when, reason, user.pk if user else None, *chunk],
            )
