"""Load Hindsight's demo organisation, or add N generated lessons for benchmarks.

``seed_demo`` is idempotent: a second run finds everything in place and changes nothing.
``seed_demo --lessons N`` adds N generated lessons with bulk inserts (for ``make bench``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections import defaultdict

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CURATOR, sync_role_groups
from demo import data as demo_data
from demo.content import PARTS
from lessons.categories import ensure_default_categories
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
from projects.models import (
    DEFAULT_PHASES,
    Department,
    Membership,
    Phase,
    PhaseReview,
    Project,
    ProjectType,
)

TODAY = dt.date(2026, 11, 23)


def demo_password(username: str) -> str:
    return f"{username}-demo"


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), dt.UTC)


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent), or add --lessons N generated lessons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lessons",
            type=int,
            default=0,
            metavar="N",
            help="Add N generated lessons (bulk inserts) on top of the demo data.",
        )

    def handle(self, *args, lessons: int = 0, **options) -> None:
        self.rng = random.Random(2026)
        with transaction.atomic():
            created = self.seed_organisation()
            created += self.seed_lessons()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({created} new records)."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        if lessons:
            from demo.bulk import generate_lessons

            added = generate_lessons(lessons, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"Added {added} generated lessons."))
        self.print_logins()

    # -- organisation ---------------------------------------------------------------

    def seed_organisation(self) -> int:
        # Normally made by migrations; recreated here so the demo also loads into a database
        # that was flushed (as browser tests do between tests).
        ensure_default_categories(Category)
        sync_role_groups(Group, Permission)
        created = 0
        departments = {}
        for name in demo_data.DEPARTMENTS:
            departments[name], new = Department.objects.get_or_create(name=name)
            created += new
        for slug, name in demo_data.PROJECT_TYPES.items():
            created += ProjectType.objects.get_or_create(slug=slug, defaults={"name": name})[1]

        for username, first, last, dept, title, role in demo_data.DEMO_USERS:
            user, new = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "job_title": title,
                    "email": f"{username}@example.org",
                    "department": departments[dept],
                    "is_staff": role in (CURATOR, ADMINISTRATOR),
                    "is_superuser": role == ADMINISTRATOR,
                },
            )
            if new:
                user.set_password(demo_password(username))
                user.save(update_fields=["password"])
                user.groups.add(Group.objects.get(name=role))
                created += 1
        for username, first, last, dept, title in demo_data.STAFF:
            user, new = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "job_title": title,
                    "email": f"{username}@example.org",
                    "department": departments[dept],
                },
            )
            if new:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.groups.add(Group.objects.get(name="Contributor"))
                created += 1

        staff = list(User.objects.filter(username__in=[s[0] for s in demo_data.STAFF]))
        for row in demo_data.PROJECTS:
            code, name, type_slug, dept, (year, month), months, status, outcome, manager, desc = row
            start = dt.date(year, month, 1)
            end = add_months(start, months)
            project, new = Project.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "description": desc,
                    "project_type": ProjectType.objects.get(slug=type_slug),
                    "department": departments[dept],
                    "manager": User.objects.get(username=manager),
                    "start_date": start,
                    "end_date": end,
                    "status": status,
                    "outcome": outcome,
                    "schedule_variance_pct": self._variance(outcome),
                    "budget_variance_pct": self._variance(outcome),
                },
            )
            if not new:
                continue
            created += 1
            self._add_phases_and_reviews(project, start, months)
            team = self.rng.sample(staff, 5)
            Membership.objects.create(project=project, user=project.manager, role="manager")
            for member in team:
                if member != project.manager:
                    Membership.objects.get_or_create(project=project, user=member)
            if code in demo_data.CONTRIBUTOR_PROJECTS:
                Membership.objects.create(
                    project=project, user=User.objects.get(username="contributor")
                )
        return created

    def _variance(self, outcome: str | None):
        if outcome is None:
            return None
        low, high = {"success": (-5, 6), "partial": (8, 25), "failed": (30, 70)}[outcome]
        return round(self.rng.uniform(low, high), 1)

    def _add_phases_and_reviews(self, project: Project, start: dt.date, months: int) -> None:
        share = (0.1, 0.2, 0.45, 0.15, 0.1)
        cursor = start
        members = list(project.memberships.values_list("user", flat=True))
        for order, (name, part) in enumerate(zip(DEFAULT_PHASES, share, strict=True), start=1):
            phase_end = add_months(cursor, max(1, round(months * part)))
            phase = Phase.objects.create(
                project=project, name=name, order=order, start_date=cursor, end_date=phase_end
            )
            if phase_end <= TODAY and name in ("Planning", "Execution", "Closure"):
                review = PhaseReview.objects.create(
                    project=project,
                    phase=phase,
                    held_on=phase_end,
                    facilitator=project.manager,
                    status="closed",
                    notes=f"Lessons-learned session at the end of {name.lower()}.",
                )
                review.attendees.set([project.manager_id, *members])
            cursor = phase_end

    # -- lessons ----------------------------------------------------------------------

    def seed_lessons(self) -> int:
        codes = [row[0] for row in demo_data.PROJECTS]
        if Lesson.objects.filter(project__code__in=codes).exists():
            return 0
        projects = list(
            Project.objects.filter(start_date__lte=TODAY).select_related("project_type")
        )
        by_type = defaultdict(list)
        for project in projects:
            by_type[project.project_type.slug].append(project)
        categories = {c.slug: c for c in Category.objects.all()}
        phases = {(p.project_id, p.name): p for p in Phase.objects.all()}
        reviews = {(r.project_id, r.phase_id): r for r in PhaseReview.objects.all()}
        team = defaultdict(list)
        for membership in Membership.objects.all():
            team[membership.project_id].append(membership.user_id)
        users = list(User.objects.all())
        contributor = User.objects.get(username="contributor")
        curator = User.objects.get(username="curator")

        created_lessons: list[Lesson] = []
        for part in PARTS:
            placed: dict[int, Lesson] = {}
            for index, entry in enumerate(part):
                original = placed.get(entry["recurs"]) if entry["recurs"] is not None else None
                project = self._pick_project(entry, original, by_type, projects)
                lesson = self._create_lesson(
                    entry,
                    project,
                    original,
                    categories,
                    phases,
                    reviews,
                    team,
                    contributor,
                    curator,
                )
                placed[index] = lesson
                created_lessons.append(lesson)

        self._add_ratings_and_views(created_lessons, users)
        self._add_actions(created_lessons, users, contributor, curator)
        self._add_applications(created_lessons, projects, team)
        self._add_checklists(created_lessons)
        return len(created_lessons)

    def _pick_project(self, entry, original, by_type, projects) -> Project:
        candidates = by_type.get(entry["project_type"]) or projects
        if original is not None:
            later = [p for p in candidates if p.start_date > original.project.start_date]
            later = later or [p for p in projects if p.start_date > original.project.start_date]
            if later:
                return self.rng.choice(later)
        return self.rng.choice(candidates)

    def _create_lesson(
        self, entry, project, original, categories, phases, reviews, team, contributor, curator
    ) -> Lesson:
        rng = self.rng
        phase = phases.get((project.id, entry["phase"]))
        occurred_on = phase.start_date if phase else project.start_date
        if phase and phase.end_date and phase.end_date > phase.start_date:
            span = (min(phase.end_date, TODAY) - phase.start_date).days
            occurred_on = phase.start_date + dt.timedelta(days=rng.randint(0, max(span, 0)))
        occurred_on = min(occurred_on, TODAY)

        roll = rng.random()
        status = (
            "published"
            if roll < 0.80
            else "submitted"
            if roll < 0.87
            else "draft"
            if roll < 0.92
            else "archived"
            if roll < 0.97
            else "rejected"
        )
        roll = rng.random()
        visibility = "organisation" if roll < 0.80 else "project" if roll < 0.93 else "restricted"
        is_anonymous = rng.random() < 0.08

        if project.code in demo_data.CONTRIBUTOR_PROJECTS and rng.random() < 0.4:
            author_id = contributor.id
        else:
            author_id = rng.choice(team[project.id])
        review = reviews.get((project.id, phase.id)) if phase else None
        published = status in ("published", "archived")
        published_on = min(occurred_on + dt.timedelta(days=rng.randint(7, 40)), TODAY)

        lesson = Lesson(
            title=entry["title"],
            summary=entry["summary"],
            context=entry["context"],
            root_cause=entry["root_cause"],
            recommendation=entry["recommendation"],
            early_warning=entry["early_warning"],
            kind=entry["kind"],
            category=categories[entry["category"]],
            impact=entry["impact"],
            likelihood=entry["likelihood"],
            project=project,
            phase=phase,
            review=review if review and rng.random() < 0.7 else None,
            occurred_on=occurred_on,
            submitted_by_id=author_id,
            is_anonymous=is_anonymous,
            visibility=visibility,
            status=status,
            published_at=aware(published_on) if published else None,
            reviewed_by=curator if status in ("published", "archived", "rejected") else None,
            review_due=add_months(published_on, 12) if published else None,
            recurrence_of=original,
            created_at=aware(occurred_on, 9),
        )
        lesson.save()
        lesson.tags.add(*entry["tags"])
        return lesson

    def _add_ratings_and_views(self, lessons: list[Lesson], users: list[User]) -> None:
        rng = self.rng
        ratings, view_days = [], []
        base = {"low": 3.0, "medium": 3.5, "high": 4.0, "critical": 4.2}
        for lesson in lessons:
            if lesson.status != "published":
                continue
            raters = rng.sample(users, rng.choice([0, 0, 1, 2, 3, 4, 6, 8, 12]))
            for rater in raters:
                score = max(1, min(5, round(rng.gauss(base[lesson.impact], 0.9))))
                ratings.append(Rating(lesson=lesson, user=rater, score=score))
            days = sorted(rng.sample(range(1, 400), rng.randint(1, 12)))
            total = 0
            for offset in days:
                day = TODAY - dt.timedelta(days=offset)
                if lesson.published_at and day < lesson.published_at.date():
                    continue
                count = rng.randint(1, 9)
                total += count
                view_days.append(LessonViewDay(lesson=lesson, day=day, count=count))
            lesson.view_count = total
        Rating.objects.bulk_create(ratings)
        LessonViewDay.objects.bulk_create(view_days)
        by_lesson = defaultdict(list)
        for rating in ratings:
            by_lesson[rating.lesson_id].append(rating.score)
        for lesson in lessons:
            scores = by_lesson.get(lesson.id, [])
            lesson.rating_count = len(scores)
            lesson.rating_avg = round(sum(scores) / len(scores), 4) if scores else 0.0
            lesson.usefulness = bayesian_usefulness(lesson.rating_avg, lesson.rating_count)
        # Counters are written directly: Lesson.save() never writes them (see the model).
        Lesson.objects.bulk_update(
            lessons, ["view_count", "rating_count", "rating_avg", "usefulness"]
        )

    def _add_actions(self, lessons, users, contributor, curator) -> None:
        rng = self.rng
        owners = [*users, contributor, contributor, curator]
        verbs = [
            ("Add a step to the {target} covering: {title}", "project initiation checklist"),
            (
                "Update the {target} so the next team does not repeat this: {title}",
                "risk register template",
            ),
            (
                "Brief the PMO community on this lesson and record it in the {target}",
                "PMO handbook",
            ),
            ("Turn this lesson into a question in the {target}", "stage-gate review template"),
            ("Agree an owner and a standard wording in the {target}", "supplier contract template"),
        ]
        actions = []
        for lesson in lessons:
            if lesson.kind == "went_well" or lesson.status != "published" or rng.random() > 0.35:
                continue
            template, target = rng.choice(verbs)
            due = lesson.published_at.date() + dt.timedelta(days=rng.randint(20, 200))
            status = rng.choice(["open", "open", "in_progress", "done", "done", "dropped"])
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

    def _add_applications(self, lessons, projects, team) -> None:
        rng = self.rng
        hows = [
            "Added to our planning checklist and walked through it at the kick-off.",
            "Used the recommendation when writing the supplier statement of work.",
            "Built the suggested buffer into the plan and tracked it weekly.",
            "Shared with the team at the phase review and changed our approach.",
            "Raised it with the sponsor at the first steering group; they agreed the change.",
            "Copied the template the earlier team described and adapted it.",
        ]
        outcomes = ["effective", "effective", "effective", "partly", "not_effective", "too_early"]
        applications = []
        for lesson in lessons:
            if lesson.status != "published" or rng.random() > 0.3:
                continue
            later = [p for p in projects if p.start_date > lesson.project.start_date]
            for project in rng.sample(later, min(len(later), rng.randint(1, 2))):
                outcome = rng.choice(outcomes)
                applied_on = min(add_months(project.start_date, rng.randint(0, 4)), TODAY)
                applications.append(
                    Application(
                        lesson=lesson,
                        project=project,
                        applied_by_id=rng.choice(team[project.id]),
                        applied_on=applied_on,
                        how=rng.choice(hows),
                        outcome=outcome,
                        hours_saved=(
                            rng.choice([4, 8, 12, 16, 24, 40, 80])
                            if outcome in ("effective", "partly")
                            else None
                        ),
                    )
                )
        Application.objects.bulk_create(applications)

    def _add_checklists(self, lessons) -> None:
        published = [lesson for lesson in lessons if lesson.status == "published"]
        by_type = defaultdict(list)
        for lesson in published:
            if lesson.kind != "went_well":
                by_type[lesson.project.project_type_id].append(lesson)
        for project_type in ProjectType.objects.all():
            cited = by_type.get(project_type.id, [])[:6]
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
                target="project initiation checklist", lesson__project__project_type=project_type
            ).update(target_checklist=checklist)

    # -- output -----------------------------------------------------------------------

    def print_logins(self) -> None:
        self.stdout.write("\nDemo sign-ins (http://127.0.0.1:8000/accounts/login/):")
        for username, *_rest, role in demo_data.DEMO_USERS:
            self.stdout.write(
                f"  {role:<14} username {username:<12} password {demo_password(username)}"
            )
        self.stdout.write("")
