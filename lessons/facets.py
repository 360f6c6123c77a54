"""Disjunctive facet counts and the links that toggle them (DESIGN.md section 7).

The count beside an option of facet F is computed with every active parameter except F's
own, so it says how many results choosing that option (too) would give. Each facet is one
GROUP BY query over ``Lesson.objects.visible_to(user)``; their number never depends on the
data or the page size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet
from django.http import QueryDict
from taggit.models import TaggedItem

from lessons.filters import LessonFilterSet
from lessons.models import Lesson

VISIBLE_OPTIONS = 6  # the rest sit behind "Show more"


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)

    @property
    def top(self) -> list[FacetOption]:
        return self.options[:VISIBLE_OPTIONS]

    @property
    def more(self) -> list[FacetOption]:
        return self.options[VISIBLE_OPTIONS:]

    @property
    def selected_count(self) -> int:
        return sum(option.selected for option in self.options)


@dataclass
class FacetSpec:
    name: str
    label: str
    value_field: str
    label_field: str | None = None
    choices: dict[str, str] | None = None
    curators_only: bool = False
    counter: Callable[[QuerySet], list[tuple[str, str, int]]] | None = None

    def count(self, queryset: QuerySet) -> list[tuple[str, str, int]]:
        if self.counter is not None:
            return self.counter(queryset)
        fields = [self.value_field] + ([self.label_field] if self.label_field else [])
        rows = (
            queryset.order_by()
            .filter(**{f"{self.value_field}__isnull": False})
            .values(*fields)
            .annotate(n=Count("id"))
        )
        result = []
        for row in rows:
            value = row[self.value_field]
            if self.choices is not None:
                label = self.choices.get(value, value)
            else:
                label = row[self.label_field] if self.label_field else value
            result.append((str(value), str(label), row["n"]))
        return result


def _count_tags(queryset: QuerySet) -> list[tuple[str, str, int]]:
    rows = (
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Lesson),
            object_id__in=queryset.order_by().values("id"),
        )
        .values("tag__slug", "tag__name")
        .annotate(n=Count("id"))
    )
    return [(row["tag__slug"], row["tag__name"], row["n"]) for row in rows]


FACETS = [
    FacetSpec("category", "Category", "category__slug", "category__name"),
    FacetSpec("tag", "Tags", "tag", counter=_count_tags),
    FacetSpec(
        "project_type", "Project type", "project__project_type__slug", "project__project_type__name"
    ),
    FacetSpec("department", "Department", "project__department_id", "project__department__name"),
    FacetSpec("project", "Project", "project__code", "project__name"),
    FacetSpec("phase", "Phase", "phase__name"),
    FacetSpec("kind", "Kind", "kind", choices=dict(Lesson.Kind.choices)),
    FacetSpec("impact", "Impact", "impact", choices=dict(Lesson.Impact.choices)),
    FacetSpec("visibility", "Visibility", "visibility", choices=dict(Lesson.Visibility.choices)),
    FacetSpec(
        "status", "Status", "status", choices=dict(Lesson.Status.choices), curators_only=True
    ),
]
IMPACT_ORDER = {value: index for index, value in enumerate(Lesson.Impact.values)}


# -- query strings ------------------------------------------------------------------------


def url_with(params: QueryDict, *, add=None, remove=None, replace=None) -> str:
    """``?...`` for the current parameters with one value added, removed or replaced.

    Any change of the search goes back to page 1.
    """
    data = {key: [v for v in params.getlist(key) if v != ""] for key in params}
    data.pop("page", None)
    if add:
        name, value = add
        data.setdefault(name, [])
        if value not in data[name]:
            data[name].append(value)
    if remove:
        name, value = remove
        data[name] = [v for v in data.get(name, []) if value is not None and v != value]
    if replace:
        for name, value in replace.items():
            data[name] = [] if value in (None, "") else [value]
    pairs = [(key, value) for key, values in data.items() for value in values]
    return "?" + urlencode(pairs) if pairs else "?"


# -- counting --------------------------------------------------------------------------------


def facet_counts(
    filterset: LessonFilterSet, queryset: QuerySet, *, is_curator: bool
) -> list[Facet]:
    """Every facet with its options, counted disjunctively over ``queryset``."""
    params = filterset.data
    active = filterset.active_values()
    facets = []
    for spec in FACETS:
        if spec.curators_only and not is_curator:
            continue
        counted = spec.count(filterset.filter_queryset_except(queryset, spec.name))
        selected = set(active.get(spec.name, []))
        facet = Facet(spec.name, spec.label)
        for value, label, count in counted:
            is_selected = value in selected
            facet.options.append(
                FacetOption(
                    value=value,
                    label=label,
                    count=count,
                    selected=is_selected,
                    url=url_with(
                        params,
                        remove=(spec.name, value) if is_selected else None,
                        add=None if is_selected else (spec.name, value),
                    ),
                )
            )
        if spec.name == "impact":
            facet.options.sort(key=lambda o: IMPACT_ORDER.get(o.value, 99), reverse=True)
        else:
            facet.options.sort(key=lambda o: (not o.selected, -o.count, o.label.lower()))
        facets.append(facet)
    return facets


@dataclass
class Chip:
    label: str
    remove_url: str


def active_chips(filterset: LessonFilterSet, facets: list[Facet]) -> list[Chip]:
    """One removable chip per active value, labelled as its facet shows it."""
    params = filterset.data
    labels = {(f.name, o.value): o.label for f in facets for o in f.options}
    titles = {spec.name: spec.label for spec in FACETS}
    chips = []
    if filterset.text:
        chips.append(Chip(f"“{filterset.text}”", url_with(params, replace={"q": None})))
    for name, values in filterset.active_values().items():
        for value in values:
            label = labels.get((name, value), value)
            if name == "rating_min":
                label = f"Rated at least {value}"
            elif name == "occurred_after":
                label = f"From {value}"
            elif name == "occurred_before":
                label = f"Until {value}"
            else:
                label = f"{titles.get(name, name)}: {label}"
            chips.append(Chip(label, url_with(params, remove=(name, value))))
    return chips
