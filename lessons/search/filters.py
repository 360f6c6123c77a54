"""``LessonFilterSet``: the search parameters (docs/architecture.md), for pages and API alike.

Every parameter is validated by the filter's form field; an invalid value is reported in
``filterset.errors`` and ignored, never a server error. Options within one parameter are
alternatives (category=a&category=b means a or b); different parameters all apply. The one
exception is ``tag_all``, whose values must all hold (tag_all=a&tag_all=b: tagged a and b).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import QueryDict
from taggit.models import Tag, TaggedItem

from lessons import search
from lessons.models import Category, Lesson
from projects.models import Department, Project, ProjectType


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    USEFUL = "useful"
    VIEWED = "viewed"
    CHOICES = [
        (RELEVANCE, "Relevance"),
        (NEWEST, "Newest"),
        (USEFUL, "Most useful"),
        (VIEWED, "Most viewed"),
    ]


class AnyTextMultipleChoiceField(forms.MultipleChoiceField):
    """Several free-text values (phase names differ per project, so there is no fixed list)."""

    def valid_value(self, value: str) -> bool:
        return 0 < len(value) <= 80


class AnyTextMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = AnyTextMultipleChoiceField


class IdMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Choices by id: a value that is no id of ours (a 30-digit number) is an invalid
    choice, never a database error (SQLite cannot even bind it)."""

    def _check_values(self, value):
        for pk in value or ():
            if not (isinstance(pk, str) and pk.isascii() and pk.isdigit() and len(pk) <= 18):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class IdMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = IdMultipleChoiceField


class PeriodForm(forms.Form):
    """A form whose period is two optional dates (``period_fields``): the end may not come
    before the start. The search's filters and the figures of /insights/ share it."""

    period_fields = ("start", "end")

    def clean(self):
        cleaned = super().clean()
        start_field, end_field = self.period_fields
        start, end = cleaned.get(start_field), cleaned.get(end_field)
        if start and end and start > end:
            self.add_error(end_field, "The end date is before the start date.")
        return cleaned


class LessonFilterForm(PeriodForm):
    period_fields = ("occurred_after", "occurred_before")


class LessonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Search", max_length=500)
    category = django_filters.ModelMultipleChoiceFilter(
        field_name="category__slug",
        to_field_name="slug",
        queryset=Category.objects.all(),
        distinct=False,
    )
    tag = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug", queryset=Tag.objects.all(), method="filter_tags"
    )
    tag_all = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug",
        queryset=Tag.objects.all(),
        method="filter_all_tags",
        label="Tagged with all of",
    )
    project = django_filters.ModelMultipleChoiceFilter(
        field_name="project__code",
        to_field_name="code",
        queryset=Project.objects.all(),
        distinct=False,
    )
    project_type = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug",
        queryset=ProjectType.objects.all(),
        method="filter_projects_of",
        label="Project type",
    )
    phase = AnyTextMultipleChoiceFilter(field_name="phase__name", distinct=False)
    department = IdMultipleChoiceFilter(
        queryset=Department.objects.all(), method="filter_projects_of"
    )
    kind = django_filters.MultipleChoiceFilter(choices=Lesson.Kind.choices, distinct=False)
    impact = django_filters.MultipleChoiceFilter(choices=Lesson.Impact.choices, distinct=False)
    likelihood = django_filters.MultipleChoiceFilter(
        choices=Lesson.Likelihood.choices, distinct=False
    )
    status = django_filters.MultipleChoiceFilter(choices=Lesson.Status.choices, distinct=False)
    visibility = django_filters.MultipleChoiceFilter(
        choices=Lesson.Visibility.choices, distinct=False
    )
    rating_min = django_filters.NumberFilter(
        field_name="rating_avg",
        lookup_expr="gte",
        min_value=1,
        max_value=5,
        label="Rated at least",
    )
    occurred_after = django_filters.DateFilter(
        field_name="occurred_on", lookup_expr="gte", label="Occurred on or after"
    )
    occurred_before = django_filters.DateFilter(
        field_name="occurred_on", lookup_expr="lte", label="Occurred on or before"
    )
    sort = django_filters.ChoiceFilter(
        choices=Sort.CHOICES, method="filter_nothing", empty_label=None
    )

    class Meta:
        model = Lesson
        fields: list[str] = []
        form = LessonFilterForm

    def __init__(self, data=None, *args, **kwargs):
        # No parameters at all is a search too (the published collection, newest first):
        # an unbound django-filter FilterSet would skip filter_queryset and its defaults.
        super().__init__(QueryDict() if data is None else data, *args, **kwargs)

    # -- filter methods ------------------------------------------------------------------

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.matching(queryset, value) if value.strip() else queryset

    def filter_tags(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        lesson_type = ContentType.objects.get_for_model(Lesson)
        tagged = TaggedItem.objects.filter(content_type=lesson_type, tag__in=value)
        return queryset.filter(id__in=tagged.values("object_id"))

    def filter_all_tags(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Lessons carrying every listed tag: one ``id IN (...)`` per tag.

        Each subquery is one tag's rows, read through taggit's ``tag_id`` index, or probed
        per candidate lesson through its (content type, object, tag) unique index when few
        lessons are left; the planner estimates each tag on its own statistics. At 100,000
        lessons the two broadest tags (34,000 and 18,000 lessons) intersect in about 70 ms.
        """
        lesson_type = ContentType.objects.get_for_model(Lesson)
        for tag_id in sorted({tag.pk for tag in value}):
            tagged = TaggedItem.objects.filter(content_type=lesson_type, tag_id=tag_id)
            queryset = queryset.filter(id__in=tagged.values("object_id"))
        return queryset

    def filter_projects_of(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Project type and department, as the list of their project ids.

        A literal list instead of a join gives the planner the real share of lessons, so it
        still finds search words through the full-text index.
        """
        if not value:
            return queryset
        projects = Project.objects.filter(**{f"{name}__in": value}).values_list("id", flat=True)
        return queryset.filter(project_id__in=list(projects))

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # sorting happens last, in filter_queryset

    # -- the whole search ------------------------------------------------------------------

    @property
    def text(self) -> str:
        return (self.form.cleaned_data.get("q") or "").strip()

    @property
    def sort_order(self) -> str:
        chosen = self.form.cleaned_data.get("sort")
        if chosen == Sort.RELEVANCE and not self.text:
            return Sort.NEWEST
        return chosen or (Sort.RELEVANCE if self.text else Sort.NEWEST)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.ordered(self.filter_queryset_except(queryset, None))

    def filter_queryset_except(self, queryset: QuerySet, skipped: str | None) -> QuerySet:
        """Apply every valid parameter but ``skipped`` (for disjunctive facet counts)."""
        cleaned = self.form.cleaned_data
        for name, value in cleaned.items():
            if name != skipped and name != "sort":
                queryset = self.filters[name].filter(queryset, value)
        if skipped != "status" and not cleaned.get("status"):
            # Without an explicit status, search shows the published collection.
            queryset = queryset.filter(status=Lesson.Status.PUBLISHED)
        return queryset

    def ordered(self, queryset: QuerySet) -> QuerySet:
        sort = self.sort_order
        if sort == Sort.RELEVANCE:
            return queryset.order_by("-search_rank", "-published_at", "-pk")
        if sort == Sort.USEFUL:
            return queryset.most_useful()
        if sort == Sort.VIEWED:
            return queryset.order_by("-view_count", "-pk")
        return queryset.order_by("-published_at", "-created_at", "-pk")

    def active_values(self) -> dict[str, list[str]]:
        """The valid parameters in effect, as the strings that appear in the URL."""
        active = {}
        for name in self.filters:
            if name in ("sort", "q") or name not in self.form.cleaned_data:
                continue
            values = [v for v in self.data.getlist(name) if v != ""]
            if values and self.form.cleaned_data.get(name) not in (None, "", [], ()):
                active[name] = values
        return active
