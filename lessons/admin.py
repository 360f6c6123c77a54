from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from accounts.policy import can_curate
from lessons.models import (
    Action,
    Application,
    Category,
    Checklist,
    ChecklistItem,
    Lesson,
    LessonViewDay,
    Rating,
)

FIGURE_FIELDS = ("view_count", "rating_count", "rating_avg", "version", "created_at", "updated_at")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "description")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    autocomplete_fields = ("owner",)


class ApplicationInline(admin.TabularInline):
    model = Application
    extra = 0
    autocomplete_fields = ("project", "applied_by")


class LessonAdminForm(forms.ModelForm):
    """Carries the version the editor started from, so a stale save is refused, not lost."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Lesson
        fields = "__all__"  # noqa: DJ007 - the admin narrows fields with its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded is not None:
            current = Lesson.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            if current.first() != loaded:
                raise forms.ValidationError(
                    "Someone else saved this lesson after you opened it. Your changes are "
                    "still in the form: open the lesson in a new tab to see theirs, then "
                    "reload this page and apply yours again."
                )
            # Save from the version the editor saw, so a save racing ours is refused too.
            self.instance.version = loaded
        return cleaned


@admin.register(Lesson)
class LessonAdmin(SimpleHistoryAdmin):
    form = LessonAdminForm
    list_display = (
        "title",
        "project",
        "category",
        "kind",
        "impact",
        "visibility",
        "status",
        "submitter",
        "published_at",
    )
    list_filter = (
        "status",
        "visibility",
        "kind",
        "impact",
        "likelihood",
        "category",
        "project__project_type",
        "project__department",
        "is_anonymous",
    )
    search_fields = ("title", "summary", "recommendation", "project__code", "tags__name")
    autocomplete_fields = (
        "project",
        "phase",
        "review",
        "category",
        "reviewed_by",
        "recurrence_of",
        "merged_into",
        "submitted_by",
    )
    readonly_fields = FIGURE_FIELDS  # kept by Hindsight, never typed in
    date_hierarchy = "published_at"
    list_select_related = ("project", "category", "submitted_by")
    inlines = [ActionInline, ApplicationInline]
    history_list_display = ("status", "visibility")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "summary",
                    "context",
                    "root_cause",
                    "recommendation",
                    "early_warning",
                    "loaded_version",
                )
            },
        ),
        (
            "Classification",
            {"fields": ("kind", "category", "tags", "impact", "likelihood", "occurred_on")},
        ),
        ("Where it came from", {"fields": ("project", "phase", "review", "recurrence_of")}),
        (
            "Access and curation",
            {
                "fields": (
                    "visibility",
                    "status",
                    "is_anonymous",
                    "submitted_by",
                    "published_at",
                    "reviewed_by",
                    "review_due",
                    "merged_into",
                )
            },
        ),
        ("Figures", {"fields": FIGURE_FIELDS}),
    )

    def get_queryset(self, request: HttpRequest):
        # The admin is a surface like any other: it sees what the access rule allows.
        return Lesson.objects.visible_to(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Lesson | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_anonymous:
            fields.append("submitted_by")
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Lesson | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = self._hidden_fields(request, obj)
        if not hidden:
            return fieldsets
        return [
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in hidden)})
            for name, opts in fieldsets
        ]

    def _hidden_fields(self, request: HttpRequest, obj: Lesson | None) -> set[str]:
        """Fields this viewer must not see on this lesson, not even as an empty box.

        An anonymous lesson shows no submitter; a link to a lesson the viewer may not see
        (the one it repeats, or the one it was merged into) would show that lesson's title.
        """
        if obj is None:
            return set()
        hidden = {"submitted_by"} if obj.is_anonymous else set()
        linked = {
            name: getattr(obj, f"{name}_id")
            for name in ("recurrence_of", "merged_into")
            if getattr(obj, f"{name}_id")
        }
        if linked:
            visible = set(
                Lesson.objects.visible_to(request.user)
                .filter(pk__in=linked.values())
                .values_list("pk", flat=True)
            )
            hidden |= {name for name, pk in linked.items() if pk not in visible}
        return hidden

    def _get_visible_or_404(self, request: HttpRequest, object_id: str) -> None:
        # django-simple-history falls back to the history rows when the live lesson is not
        # in get_queryset, which would show a hidden lesson's past versions. Curators see
        # every lesson, so for them the fallback still reaches lessons deleted in the admin.
        if self.get_object(request, unquote(object_id)) is None and not can_curate(request.user):
            raise Http404

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        self._get_visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ):
        self._get_visible_or_404(request, object_id)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )

    @admin.display(description="submitted by", ordering="submitted_by__username")
    def submitter(self, lesson: Lesson) -> str:
        if lesson.is_anonymous:
            return "anonymous"
        return str(lesson.submitted_by) if lesson.submitted_by_id else "-"


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("lesson", "user", "score", "updated_at")
    list_filter = ("score",)
    search_fields = ("lesson__title", "user__username", "comment")
    autocomplete_fields = ("lesson", "user")

    def get_queryset(self, request: HttpRequest):
        return (
            super().get_queryset(request).filter(lesson__in=Lesson.objects.visible_to(request.user))
        )


@admin.register(LessonViewDay)
class LessonViewDayAdmin(admin.ModelAdmin):
    list_display = ("lesson", "day", "count")
    date_hierarchy = "day"
    autocomplete_fields = ("lesson",)

    def get_queryset(self, request: HttpRequest):
        return (
            super().get_queryset(request).filter(lesson__in=Lesson.objects.visible_to(request.user))
        )


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("description", "lesson", "owner", "due_on", "status", "impact", "effort")
    list_filter = ("status", "impact", "effort")
    search_fields = ("description", "target", "lesson__title", "owner__username")
    autocomplete_fields = ("lesson", "owner")
    date_hierarchy = "due_on"

    def get_queryset(self, request: HttpRequest):
        return (
            super().get_queryset(request).filter(lesson__in=Lesson.objects.visible_to(request.user))
        )


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("lesson", "project", "applied_by", "applied_on", "outcome", "hours_saved")
    list_filter = ("outcome", "project__project_type")
    search_fields = ("how", "lesson__title", "project__code")
    autocomplete_fields = ("lesson", "project", "applied_by")
    date_hierarchy = "applied_on"

    def get_queryset(self, request: HttpRequest):
        return (
            super().get_queryset(request).filter(lesson__in=Lesson.objects.visible_to(request.user))
        )


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    autocomplete_fields = ("source_lessons",)


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ("name", "project_type", "phase_name")
    list_filter = ("project_type", "phase_name")
    search_fields = ("name", "items__text")
    autocomplete_fields = ("project_type",)
    inlines = [ChecklistItemInline]
