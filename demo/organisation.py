"""Load the demo organisation: departments, project types, people, projects and their phases.

Idempotent: what exists already is left as it is. The random choices (variances, teams) come
from the ``rng`` that ``seed_demo`` passes, so a fresh database always gets the same data.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CURATOR, sync_role_groups
from demo.data import (
    CONTRIBUTOR_PROJECTS,
    DEMO_USERS,
    DEPARTMENTS,
    PROJECT_TYPES,
    PROJECTS,
    STAFF,
    DemoProject,
    Person,
    demo_password,
)
from lessons.categories import ensure_default_categories
from lessons.models import Category
from projects.models import (
    DEFAULT_PHASES,
    Department,
    Membership,
    Phase,
    PhaseReview,
    Project,
    ProjectType,
)

# The demo's "today": projects before it are under way or closed, those after it planned.
TODAY = dt.date(2026, 11, 23)

# Share of a project's months each of DEFAULT_PHASES takes.
PHASE_SHARES = (0.1, 0.2, 0.45, 0.15, 0.1)
# Phases that end with a lessons-learned review.
REVIEWED_PHASES = ("Planning", "Execution", "Closure")
# Range of schedule and budget variance (%) per project outcome.
VARIANCE_BY_OUTCOME = {"success": (-5, 6), "partial": (8, 25), "failed": (30, 70)}
TEAM_SIZE = 5


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` later, kept within the target month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    """``day`` at ``hour`` o'clock UTC."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), dt.UTC)


def seed_organisation(rng: random.Random) -> int:
    """Create what is missing of the demo organisation; return how many records were new."""
    # Normally made by migrations; recreated here so the demo also loads into a database
    # that was flushed (as browser tests do between tests).
    ensure_default_categories(Category)
    sync_role_groups(Group, Permission)
    created = 0
    departments = {}
    for name in DEPARTMENTS:
        departments[name], new = Department.objects.get_or_create(name=name)
        created += new
    for slug, name in PROJECT_TYPES.items():
        created += ProjectType.objects.get_or_create(slug=slug, defaults={"name": name})[1]
    for person in DEMO_USERS:
        created += _add_person(
            person,
            departments,
            password=demo_password(person.username),
            is_staff=person.role in (CURATOR, ADMINISTRATOR),
            is_superuser=person.role == ADMINISTRATOR,
        )
    for person in STAFF:
        created += _add_person(person, departments, password=None)
    staff = list(User.objects.filter(username__in=[person.username for person in STAFF]))
    for project in PROJECTS:
        created += _add_project(rng, project, departments, staff)
    return created


def _add_person(
    person: Person, departments: dict[str, Department], password: str | None, **flags: bool
) -> bool:
    """Create ``person`` in the group of their role unless they exist; True if created.

    Without a ``password`` the account cannot sign in.
    """
    user, new = User.objects.get_or_create(
        username=person.username,
        defaults={
            "first_name": person.first_name,
            "last_name": person.last_name,
            "job_title": person.job_title,
            "email": f"{person.username}@example.org",
            "department": departments[person.department],
            **flags,
        },
    )
    if new:
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=person.role))
    return new


def _add_project(
    rng: random.Random,
    row: DemoProject,
    departments: dict[str, Department],
    staff: list[User],
) -> bool:
    """Create the project of ``row`` with its phases, reviews and team; True if created."""
    project, new = Project.objects.get_or_create(
        code=row.code,
        defaults={
            "name": row.name,
            "description": row.description,
            "project_type": ProjectType.objects.get(slug=row.project_type),
            "department": departments[row.department],
            "manager": User.objects.get(username=row.manager),
            "start_date": row.start_date,
            "end_date": add_months(row.start_date, row.months),
            "status": row.status,
            "outcome": row.outcome,
            "schedule_variance_pct": _variance(rng, row.outcome),
            "budget_variance_pct": _variance(rng, row.outcome),
        },
    )
    if not new:
        return False
    _add_phases_and_reviews(project, row.start_date, row.months)
    _add_team(rng, project, staff)
    return True


def _variance(rng: random.Random, outcome: str | None) -> float | None:
    if outcome is None:
        return None
    low, high = VARIANCE_BY_OUTCOME[outcome]
    return round(rng.uniform(low, high), 1)


def _add_phases_and_reviews(project: Project, start: dt.date, months: int) -> None:
    """The default phases over ``months``; those past by TODAY end with a review.

    The team is added after this, so the manager is a review's only attendee.
    """
    cursor = start
    shares = zip(DEFAULT_PHASES, PHASE_SHARES, strict=True)
    for order, (name, share) in enumerate(shares, start=1):
        phase_end = add_months(cursor, max(1, round(months * share)))
        phase = Phase.objects.create(
            project=project, name=name, order=order, start_date=cursor, end_date=phase_end
        )
        if phase_end <= TODAY and name in REVIEWED_PHASES:
            review = PhaseReview.objects.create(
                project=project,
                phase=phase,
                held_on=phase_end,
                facilitator=project.manager,
                status="closed",
                notes=f"Lessons-learned session at the end of {name.lower()}.",
            )
            review.attendees.set([project.manager_id])
        cursor = phase_end


def _add_team(rng: random.Random, project: Project, staff: list[User]) -> None:
    """The manager, a few staff, and the demo contributor on their projects."""
    team = rng.sample(staff, TEAM_SIZE)
    Membership.objects.create(project=project, user=project.manager, role="manager")
    for member in team:
        if member != project.manager:
            Membership.objects.get_or_create(project=project, user=member)
    if project.code in CONTRIBUTOR_PROJECTS:
        Membership.objects.create(project=project, user=User.objects.get(username="contributor"))
