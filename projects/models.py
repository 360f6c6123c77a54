from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

DEFAULT_PHASES = ("Initiation", "Planning", "Execution", "Monitoring & control", "Closure")


class Department(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectType(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectQuerySet(models.QuerySet):
    def with_member(self, user) -> ProjectQuerySet:
        """Projects the user belongs to: a Membership row, or named as the project's manager."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(manager=user) | Q(memberships__user=user)).distinct()


class Project(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        PARTIAL = "partial", "Partial success"
        FAILED = "failed", "Failed"

    code = models.CharField(
        max_length=32, unique=True, help_text='Short unique code, e.g. "ERP-2025".'
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    project_type = models.ForeignKey(ProjectType, on_delete=models.PROTECT, related_name="projects")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="projects")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_projects",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PLANNED, db_index=True)
    # NULL until the project closes: "no outcome yet", distinct from any recorded outcome.
    outcome = models.CharField(  # noqa: DJ001
        max_length=10, choices=Outcome, null=True, blank=True
    )
    schedule_variance_pct = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Schedule variance at close, in per cent (positive = late).",
    )
    budget_variance_pct = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Budget variance at close, in per cent (positive = over budget).",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects", blank=True
    )
    # The manager marks the kick-off briefing reviewed once the team has gone through it.
    briefing_reviewed_at = models.DateTimeField(null=True, blank=True)
    briefing_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.code])

    def add_default_phases(self) -> None:
        for order, name in enumerate(DEFAULT_PHASES, start=1):
            Phase.objects.get_or_create(project=self, name=name, defaults={"order": order})

    def current_phase(self, today: datetime.date | None = None) -> Phase | None:
        """The phase under way on ``today`` (by default today), or None.

        A phase is under way from its start date to its end date, both included; without an
        end date it has not ended. Dates alone decide: a phase without a start date is never
        current, since nobody said it began (the default phases have no dates, so a project
        whose phases carry none has no current phase), and neither is one that starts later.
        When several are under way (phases overlap, or an earlier one was never closed), the
        one that started last is current: work moves on to the newer phase. Of phases starting
        the same day, the later in the project's order is current.

        The project page links the kick-off briefing for this phase, and a new review session
        proposes it.
        """
        today = today or timezone.localdate()
        return (
            self.phases.filter(start_date__lte=today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .order_by("-start_date", "-order", "-pk")
            .first()
        )


class Phase(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=80, db_index=True)
    order = models.PositiveSmallIntegerField(default=1)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="unique_phase_name_per_project"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        MEMBER = "member", "Member"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)

    class Meta:
        ordering = ["project", "user"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project.code} ({self.get_role_display()})"


class PhaseReview(models.Model):
    """A lessons-learned session held for one phase of a project."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    held_on = models.DateField()
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_reviews",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="attended_reviews", blank=True
    )
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        phase = self.phase.name if self.phase_id else "project"
        return f"{self.project.code} {phase} review, {self.held_on:%d %b %Y}"


class KickoffAssignment(models.Model):
    """A lesson of the kick-off briefing given to a team member to read and present."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="kickoff_assignments"
    )
    lesson = models.ForeignKey(
        "lessons.Lesson", on_delete=models.CASCADE, related_name="kickoff_assignments"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kickoff_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["project", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "lesson"], name="one_kickoff_assignment_per_lesson"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: lesson {self.lesson_id} to {self.assignee}"
