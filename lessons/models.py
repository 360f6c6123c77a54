from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from accounts.roles import is_curator

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

# "Most useful" ranks by a Bayesian average: every lesson starts with this many
# imaginary votes at the prior score, so one 5-star vote does not beat forty 4-star votes.
# The longest text a lesson's field (or an action's, an application's) takes: a long real
# record, such as a NASA LLIS lesson with its recommendations, runs to 40,000 characters.
TEXT_LIMIT = 100_000
BAYES_PRIOR_VOTES = 5
BAYES_PRIOR_SCORE = 3.0


def bayesian_usefulness(rating_avg: float, rating_count: int) -> float:
    """The mean rating pulled towards the prior until enough people have rated."""
    return (BAYES_PRIOR_VOTES * BAYES_PRIOR_SCORE + rating_avg * rating_count) / (
        BAYES_PRIOR_VOTES + rating_count
    )


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class LessonEditConflict(Exception):
    """Raised when a lesson is saved from a stale copy (someone else saved in between)."""

    def __init__(self, lesson: Lesson):
        self.lesson = lesson
        super().__init__(
            f"Lesson {lesson.pk} was changed by someone else since version {lesson.version} "
            "was loaded."
        )


class LessonQuerySet(models.QuerySet):
    def visible_to(self, user: User | AnonymousUser) -> LessonQuerySet:
        """The single access rule (docs/architecture.md): the lessons this user may see.

        - published and organisation-wide;
        - published, project-only, and the user is a member (or the manager) of its project;
        - every lesson, for Curators and Administrators;
        - lessons the user submitted (anonymous ones lose their submitter on submission).
        Signed-out and deactivated users see nothing.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if is_curator(user):
            return self.all()
        from projects.models import Membership, Project

        member_projects = Membership.objects.filter(user=user).values("project_id")
        managed_projects = Project.objects.filter(manager=user).values("id")
        published = Q(status=Lesson.Status.PUBLISHED)
        return self.filter(
            (published & Q(visibility=Lesson.Visibility.ORGANISATION))
            | (
                published
                & Q(visibility=Lesson.Visibility.PROJECT)
                & (Q(project_id__in=member_projects) | Q(project_id__in=managed_projects))
            )
            | Q(submitted_by=user)
        )

    def searchable_by(self, user: User | AnonymousUser) -> LessonQuerySet:
        """What a search, an export or the API's list may return to ``user``: the lessons
        they may see, less those merged into another (their address leads to the kept one)."""
        return self.visible_to(user).filter(merged_into__isnull=True)

    def published(self) -> LessonQuerySet:
        return self.filter(status=Lesson.Status.PUBLISHED)

    def most_useful(self) -> LessonQuerySet:
        return self.order_by("-usefulness", "-rating_count", "-published_at", "-pk")

    def with_tag_list(self) -> LessonQuerySet:
        """Each lesson's tags as a plain list in ``tag_list``, in one query.

        Prefetching into an attribute rather than the tag manager spares django-taggit
        building one throwaway queryset per lesson, which cost more than the query itself.
        """
        return self.prefetch_related(models.Prefetch("tags", to_attr="tag_list"))

    def for_cards(self) -> LessonQuerySet:
        """Everything a lesson card shows, in a fixed number of queries.

        The long texts and the search vector are left behind: they are most of a row's
        bytes, and a card shows only the title and summary.
        """
        return (
            self.select_related("project", "project__project_type", "phase", "category")
            .defer(*CARD_DEFERRED_FIELDS)
            .with_tag_list()
        )


CARD_DEFERRED_FIELDS = ("context", "root_cause", "recommendation", "early_warning", "search_vector")


class Lesson(models.Model):
    class Kind(models.TextChoices):
        WENT_WELL = "went_well", "Went well"
        WENT_WRONG = "went_wrong", "Went wrong"
        IMPROVEMENT = "improvement", "Improvement"

    class Impact(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Likelihood(models.TextChoices):
        RARE = "rare", "Rare"
        POSSIBLE = "possible", "Possible"
        LIKELY = "likely", "Likely"

    class Visibility(models.TextChoices):
        ORGANISATION = "organisation", "Whole organisation"
        PROJECT = "project", "Project members only"
        RESTRICTED = "restricted", "Restricted (curators only)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="One or two sentences.")
    context = models.TextField(
        "what happened", blank=True, help_text="The driving event. Markdown."
    )
    root_cause = models.TextField(blank=True, help_text="Why it happened. Markdown.")
    recommendation = models.TextField(
        "lesson", help_text="What to do next time: the lesson itself. Markdown."
    )
    early_warning = models.TextField(
        blank=True, help_text="The signs that this is happening again."
    )
    kind = models.CharField(max_length=12, choices=Kind, db_index=True)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="lessons"
    )
    phase = models.ForeignKey(
        "projects.Phase", null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    review = models.ForeignKey(
        "projects.PhaseReview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="lessons"
    )
    tags = TaggableManager(blank=True)
    impact = models.CharField(max_length=10, choices=Impact, default=Impact.MEDIUM, db_index=True)
    likelihood = models.CharField(
        max_length=10, choices=Likelihood, default=Likelihood.POSSIBLE, db_index=True
    )
    occurred_on = models.DateField(null=True, blank=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_lessons",
    )
    is_anonymous = models.BooleanField(
        default=False,
        help_text=(
            "Share this lesson without your name. While it is a draft it stays with your "
            "account so you can finish it, and no one else is shown that it is yours. Once "
            "you submit it, Hindsight forgets who wrote it: no page, export, e-mail or "
            "history record can show your name, not even to curators or administrators, "
            "and it no longer appears under your own lessons."
        ),
    )
    visibility = models.CharField(
        max_length=12, choices=Visibility, default=Visibility.ORGANISATION
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_lessons",
    )
    review_due = models.DateField(null=True, blank=True, db_index=True)
    # The curator's latest word to the author: why it was sent back, or rejected.
    curation_note = models.TextField(blank=True)
    recurrence_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="recurrences"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_lessons"
    )
    # Where an imported lesson came from (lessons/transfer/): the spreadsheet's own
    # reference, unique within a project, and a fingerprint of its content. NULL (not "")
    # for lessons recorded here, so neither uniqueness nor look-ups ever meet them.
    external_id = models.CharField(  # noqa: DJ001
        "reference",
        max_length=100,
        null=True,
        blank=True,
        help_text="The lesson's reference in the log it was imported from.",
    )
    import_fingerprint = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False, db_index=True
    )
    view_count = models.PositiveIntegerField(default=0, db_index=True)
    rating_count = models.PositiveIntegerField(default=0)
    rating_avg = models.FloatField(default=0.0, db_index=True)
    # Bayesian average (bayesian_usefulness), stored so "most useful" is an index scan.
    usefulness = models.FloatField(default=BAYES_PRIOR_SCORE, db_index=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    # Full-text index on PostgreSQL (SQLite keeps an FTS5 table instead); see lessons/search/.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["view_count", "rating_count", "rating_avg", "usefulness", "search_vector"]
    )

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            # The access rule filters on (status, visibility) for everyone but curators.
            models.Index(fields=["status", "visibility"], name="lesson_status_visibility"),
            models.Index(fields=["status", "-published_at"], name="lesson_status_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_avg__gte=0) & Q(rating_avg__lte=5),
                name="lesson_rating_avg_0_5",
            ),
            models.CheckConstraint(
                condition=~Q(is_anonymous=True) | Q(submitted_by__isnull=True) | Q(status="draft"),
                name="anonymous_lesson_has_no_submitter",
            ),
            models.UniqueConstraint(
                fields=["project", "external_id"],
                condition=Q(external_id__isnull=False),
                name="unique_external_id_per_project",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """Save with optimistic locking and the anonymity guarantee.

        An existing lesson is only written if nobody saved it since this copy was loaded
        (its ``version`` still matches); otherwise ``LessonEditConflict`` is raised.
        Once an anonymous lesson leaves draft, its submitter is forgotten everywhere,
        history rows included.
        """
        forget_submitter_id = None
        if self.is_anonymous and self.status != self.Status.DRAFT and self.submitted_by_id:
            forget_submitter_id = self.submitted_by_id
            self.submitted_by = None
        with transaction.atomic():
            if self.pk is not None and not self._state.adding:
                claimed = Lesson.objects.filter(pk=self.pk, version=self.version).update(
                    version=F("version") + 1
                )
                if not claimed:
                    raise LessonEditConflict(self)
                self.version += 1
                # Counters and the search vector are written by their own statements; a
                # stale copy of them must never be saved back over the live values.
                update_fields = kwargs.get("update_fields") or self._editable_field_names()
                kwargs["update_fields"] = {
                    *update_fields,
                    "version",
                    "updated_at",
                } - self.DERIVED_FIELDS
            super().save(*args, **kwargs)
            if self.is_anonymous:
                # Drafts keep their author on the live row (to finish writing them), but
                # not in history, which curators read.
                self.forget_submitter_in_history(forget_submitter_id or self.submitted_by_id)

    def get_absolute_url(self) -> str:
        return reverse("lessons:detail", args=[self.pk])

    # Written by their own statements (services.py, search.py), never by a save().
    DERIVED_FIELDS = frozenset(
        {"view_count", "rating_count", "rating_avg", "usefulness", "search_vector"}
    )

    @classmethod
    def _editable_field_names(cls) -> set[str]:
        return {f.name for f in cls._meta.concrete_fields if not f.primary_key}

    @property
    def shows_submitter(self) -> bool:
        return not self.is_anonymous and self.submitted_by_id is not None

    def forget_submitter_in_history(self, submitter_id: int | None) -> None:
        """Remove the submitter from every history row of this anonymous lesson."""
        rows = self.history.model.objects.filter(id=self.pk)
        rows.exclude(submitted_by=None).update(submitted_by=None)
        if submitter_id is not None:
            rows.filter(history_user_id=submitter_id).update(history_user=None)


class Rating(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "user"], name="one_rating_per_user"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 on lesson {self.lesson_id}"


class LessonViewDay(models.Model):
    """How often a lesson was opened on one day (access frequency over time)."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "day"], name="one_view_row_per_day"),
        ]

    def __str__(self) -> str:
        return f"lesson {self.lesson_id} on {self.day}: {self.count}"


def _one_to_five(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 1}) & Q(**{f"{field}__lte": 5}), name=name
    )


class Action(models.Model):
    """A follow-up action that puts a lesson into practice."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    due_on = models.DateField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.OPEN, db_index=True)
    impact = models.PositiveSmallIntegerField(default=3, help_text="1 (small) to 5 (large).")
    effort = models.PositiveSmallIntegerField(default=3, help_text="1 (small) to 5 (large).")
    completed_on = models.DateField(null=True, blank=True)
    target = models.CharField(
        max_length=200, blank=True, help_text="The process, template or checklist it changes."
    )
    # When the target is one of the curated checklists, completing the action offers to add
    # or update that checklist's item (issue 6).
    target_checklist = models.ForeignKey(
        "Checklist",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        help_text="The checklist this action changes, if it is one of ours.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            _one_to_five("impact", "action_impact_1_5"),
            _one_to_five("effort", "action_effort_1_5"),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in {self.Status.OPEN, self.Status.IN_PROGRESS}
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )


class Application(models.Model):
    """A later project applied a lesson: how, and what it did."""

    class Outcome(models.TextChoices):
        EFFECTIVE = "effective", "Effective"
        PARTLY = "partly", "Partly effective"
        NOT_EFFECTIVE = "not_effective", "Not effective"
        TOO_EARLY = "too_early", "Too early to tell"

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="applications")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="applications"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    applied_on = models.DateField(default=timezone.localdate)
    how = models.TextField()
    outcome = models.CharField(max_length=14, choices=Outcome, default=Outcome.TOO_EARLY)
    hours_saved = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["-applied_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_saved__isnull=True) | Q(hours_saved__gte=0),
                name="application_hours_saved_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"lesson {self.lesson_id} applied in {self.project_id}"


class Checklist(models.Model):
    """A project template or checklist that lessons change."""

    name = models.CharField(max_length=200)
    project_type = models.ForeignKey(
        "projects.ProjectType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checklists",
        help_text="Empty: applies to every project type.",
    )
    # NULL (not "") means "every phase".
    phase_name = models.CharField(  # noqa: DJ001
        max_length=80, null=True, blank=True, help_text="Empty: applies to every phase."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    text = models.TextField()
    order = models.PositiveSmallIntegerField(default=1)
    source_lessons = models.ManyToManyField(Lesson, related_name="checklist_items", blank=True)

    class Meta:
        ordering = ["checklist", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
