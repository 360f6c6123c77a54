"""How lessons, ratings, actions, applications, categories and tags look in the REST API.

Reading: ``LessonSerializer`` is a search result (a lesson card's fields, the same columns the
search page loads) and ``LessonDetailSerializer`` the whole lesson. The write serializers
only check the shape of the JSON (types, choices, which project or category a code or slug
names); the rules themselves are the pages' forms (``LessonForm``, ``ActionForm``,
``ApplicationForm``, ``CategoryForm``), applied by ``lessons.api`` exactly as the pages
apply them.

A person is ``{"username", "display_name"}``. A lesson's ``submitted_by`` is null whenever
the lesson is anonymous, whoever asks (its author, curators and administrators included),
and nothing else in these serializers points at its submitter.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from taggit.models import Tag

from accounts.serializers import PersonSerializer, person
from config.api.base import absolute
from lessons.models import TEXT_LIMIT, Action, Application, Category, Lesson, Rating
from projects.models import Project

MAX_ID = 2**31 - 1  # ids beyond the integer column would be a database error, not a 404


# -- lessons ----------------------------------------------------------------------------------


class LessonSerializer(serializers.ModelSerializer):
    """A lesson in a list: what its card on the search page shows, and how to fetch the rest.

    ``snippet`` is set when the list was a text search: safe HTML with the matched words
    in ``<mark>``.
    """

    url = serializers.SerializerMethodField(help_text="This lesson in the API.")
    web_url = serializers.SerializerMethodField(help_text="This lesson's page.")
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    project_type = serializers.CharField(source="project.project_type.slug", read_only=True)
    phase = serializers.CharField(source="phase.name", read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    submitted_by = serializers.SerializerMethodField(
        help_text="Who submitted it; always null for an anonymous lesson."
    )
    snippet = serializers.SerializerMethodField(
        help_text="With q: an HTML extract with the matched words in <mark>; else null."
    )

    class Meta:
        model = Lesson
        fields = [
            "id",
            "url",
            "web_url",
            "title",
            "summary",
            "kind",
            "impact",
            "likelihood",
            "category",
            "category_name",
            "project",
            "project_name",
            "project_type",
            "phase",
            "tags",
            "status",
            "visibility",
            "is_anonymous",
            "submitted_by",
            "occurred_on",
            "published_at",
            "created_at",
            "updated_at",
            "rating_avg",
            "rating_count",
            "usefulness",
            "view_count",
            "version",
            "snippet",
        ]
        read_only_fields = fields

    def get_url(self, lesson: Lesson) -> str:
        return absolute(self.context.get("request"), reverse("api:lesson-detail", args=[lesson.pk]))

    def get_web_url(self, lesson: Lesson) -> str:
        return absolute(self.context.get("request"), lesson.get_absolute_url())

    def get_tags(self, lesson: Lesson) -> list[str]:
        tags = getattr(lesson, "tag_list", None)
        if tags is None:
            tags = lesson.tags.all()
        return sorted((tag.name for tag in tags), key=str.casefold)

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_submitted_by(self, lesson: Lesson) -> dict[str, str] | None:
        if not lesson.shows_submitter:  # anonymous: nobody is named, whoever asks
            return None
        submitters = self.context.get("submitters")
        if submitters is not None:
            return person(submitters.get(lesson.submitted_by_id))
        return person(lesson.submitted_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_snippet(self, lesson: Lesson) -> str | None:
        return self.context.get("snippets", {}).get(lesson.pk)


class LessonDetailSerializer(LessonSerializer):
    """The whole lesson. Links to other lessons are ids, given only when the asker may see
    that lesson (null or left out otherwise)."""

    project_type_name = serializers.CharField(source="project.project_type.name", read_only=True)
    department = serializers.IntegerField(source="project.department_id", read_only=True)
    department_name = serializers.CharField(source="project.department.name", read_only=True)
    review = serializers.SerializerMethodField(
        help_text="The phase review session it was captured in, for those who may open it."
    )
    recurrence_of = serializers.SerializerMethodField(
        help_text="The earlier lesson this one repeats."
    )
    recurrences = serializers.SerializerMethodField(help_text="Later lessons repeating this one.")
    merged_into = serializers.SerializerMethodField(
        help_text="The lesson this duplicate was merged into."
    )
    curation_note = serializers.SerializerMethodField(
        help_text="A curator's latest word to the author (why it was sent back or rejected); "
        "shown to curators and the named author only."
    )

    class Meta(LessonSerializer.Meta):
        fields = [
            *(name for name in LessonSerializer.Meta.fields if name != "snippet"),
            "context",
            "root_cause",
            "recommendation",
            "early_warning",
            "project_type_name",
            "department",
            "department_name",
            "review",
            "recurrence_of",
            "recurrences",
            "merged_into",
            "review_due",
            "curation_note",
        ]
        read_only_fields = fields

    def _visible_link(self, lesson_id: int | None) -> int | None:
        return lesson_id if lesson_id in self.context.get("visible_links", ()) else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_review(self, lesson: Lesson) -> int | None:
        return lesson.review_id if self.context.get("shows_review") else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_recurrence_of(self, lesson: Lesson) -> int | None:
        return self._visible_link(lesson.recurrence_of_id)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_merged_into(self, lesson: Lesson) -> int | None:
        return self._visible_link(lesson.merged_into_id)

    def get_recurrences(self, lesson: Lesson) -> list[int]:
        return list(self.context.get("recurrences", []))

    def get_curation_note(self, lesson: Lesson) -> str:
        return lesson.curation_note if self.context.get("shows_curation_note") else ""


class LessonWriteSerializer(serializers.Serializer):
    """The fields a lesson is written with (create, update and partial update alike).

    Omitted fields keep their value (new lessons: the defaults of the capture form). Which
    fields are required, which projects one may record lessons for, the phase belonging to
    the project, tag limits and dates are the capture form's rules (``LessonForm``).
    """

    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    context = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    recommendation = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_LIMIT,
        help_text="The lesson itself: what to do next time. Markdown. Required.",
    )
    early_warning = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMIT
    )
    kind = serializers.ChoiceField(choices=Lesson.Kind.choices, required=False)
    project = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Project.objects.all(),
        required=False,
        help_text="The project's code: one of your own projects (curators: any).",
    )
    phase = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=80,
        help_text="The name of one of the project's phases, or null.",
    )
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=100,
        help_text="Tag names (at most 20).",
    )
    impact = serializers.ChoiceField(choices=Lesson.Impact.choices, required=False)
    likelihood = serializers.ChoiceField(choices=Lesson.Likelihood.choices, required=False)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=Lesson.Visibility.choices, required=False)
    is_anonymous = serializers.BooleanField(
        required=False, help_text="Only the author decides this; ignored for anyone else."
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Updates: the version you loaded. A stale one is refused with 409.",
    )
    change_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="When editing someone else's lesson: what you changed and why (kept in its "
        "history, sent to its named author).",
    )

    def validate_tags(self, tags: list[str]) -> list[str]:
        if any('"' in tag for tag in tags):
            raise serializers.ValidationError("A tag cannot contain double quotes.")
        return tags


class SubmitSerializer(serializers.Serializer):
    recurrence_of = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="An earlier lesson (that you can see) this one repeats.",
    )


class ApproveSerializer(serializers.Serializer):
    review_due = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="When a curator should re-check it; a year from today if left out.",
    )


class ReasonSerializer(serializers.Serializer):
    """A reason the workflow requires (a rejection: the author reads it)."""

    reason = serializers.CharField(max_length=2000)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, help_text="What the author should change.")


class TransitionResultSerializer(serializers.Serializer):
    """After a transition that took the lesson out of the asker's sight (an anonymous
    submission: nothing knows it was theirs any more)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    saved_by = serializers.CharField()
    saved_at = serializers.DateTimeField()
    changes = serializers.ListField(child=serializers.DictField(), allow_null=True)


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The parameter value that selects this option.")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Lessons choosing this option (too) would give.")
    selected = serializers.BooleanField()


class FacetSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The search parameter.")
    label = serializers.CharField()
    options = FacetOptionSerializer(many=True)


class FacetsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Lessons the search finds (as count of the list).")
    facets = FacetSerializer(many=True)


# -- ratings ----------------------------------------------------------------------------------


class RatingSerializer(serializers.ModelSerializer):
    lesson_title = serializers.CharField(source="lesson.title", read_only=True)

    class Meta:
        model = Rating
        fields = ["id", "lesson", "lesson_title", "score", "comment", "created_at", "updated_at"]
        read_only_fields = fields


class RatingWriteSerializer(serializers.Serializer):
    """A rating: the lesson (on create), a score from 1 to 5 and an optional comment."""

    lesson = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    score = serializers.IntegerField(min_value=1, max_value=5, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)


# -- actions and applications -------------------------------------------------------------------


class ActionSerializer(serializers.ModelSerializer):
    owner = PersonSerializer(read_only=True, allow_null=True)
    target_checklist_name = serializers.CharField(
        source="target_checklist.name", read_only=True, allow_null=True
    )

    class Meta:
        model = Action
        fields = [
            "id",
            "lesson",
            "description",
            "owner",
            "due_on",
            "status",
            "impact",
            "effort",
            "completed_on",
            "target",
            "target_checklist",
            "target_checklist_name",
            "is_overdue",
            "created_at",
        ]
        read_only_fields = fields


class ActionWriteSerializer(serializers.Serializer):
    """An action's fields; ``lesson`` on create only, ``status`` on update only."""

    lesson = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMIT
    )
    owner = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=254,
        help_text="Username or e-mail address of an active user, or null for nobody yet. "
        "Left out on create: you.",
    )
    due_on = serializers.DateField(required=False, allow_null=True)
    impact = serializers.IntegerField(required=False, min_value=1, max_value=5)
    effort = serializers.IntegerField(required=False, min_value=1, max_value=5)
    target = serializers.CharField(required=False, allow_blank=True, max_length=200)
    target_checklist = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False)


class ApplicationSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    applied_by = PersonSerializer(read_only=True, allow_null=True)
    hours_saved = serializers.DecimalField(
        max_digits=8, decimal_places=1, coerce_to_string=False, read_only=True, allow_null=True
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "lesson",
            "project",
            "project_name",
            "applied_by",
            "applied_on",
            "how",
            "outcome",
            "hours_saved",
        ]
        read_only_fields = fields


class ApplicationWriteSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    project = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Project.objects.all(),
        help_text="The later project that applied it: one of your own (curators: any).",
    )
    applied_on = serializers.DateField(required=False, help_text="Today if left out.")
    how = serializers.CharField(max_length=TEXT_LIMIT)
    outcome = serializers.ChoiceField(choices=Application.Outcome.choices, required=False)
    hours_saved = serializers.DecimalField(
        max_digits=8, decimal_places=1, min_value=0, required=False, allow_null=True
    )


# -- categories and tags ------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description"]
        read_only_fields = fields


class CategoryWriteSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=80)
    slug = serializers.CharField(
        required=False, allow_blank=True, max_length=80, help_text="Made from the name if empty."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class TagSerializer(serializers.ModelSerializer):
    lesson_count = serializers.IntegerField(
        read_only=True, help_text="Lessons with this tag that you may see."
    )

    class Meta:
        model = Tag
        fields = ["name", "slug", "lesson_count"]
        read_only_fields = fields


def as_form_value(value: Any) -> Any:
    """A cleaned JSON value as a bound Django form expects it."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value
