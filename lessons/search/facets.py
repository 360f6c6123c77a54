"""Disjunctive facet counts and the links that toggle them.

The count beside an option of facet F is computed with every active parameter except F's
own, so it says how many results choosing that option (too) would give. Each facet is one
GROUP BY over ``Lesson.objects.visible_to(user)``, and all facets without a selection are
counted in one statement; the number of statements never depends on the data or the page
size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.html import format_html
from taggit.models import Tag

from lessons.models import Category, Lesson
from lessons.search.filters import LessonFilterSet
from lessons.search.grouped_counts import base_table, grouped_counts_sql
from projects.models import Phase, Project

VISIBLE_OPTIONS = 6  # the rest sit behind "Show more"...
MORE_OPTIONS = 40  # ...up to this many: the long tail of tags is reached by searching


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str

    def __str__(self) -> str:  # the template engine calls str() before escaping
        return self.__html__()

    def __html__(self) -> str:
        """The option's link, built here rather than in the template: a page lists up to a
        few hundred options, and the template engine made them a third of the page's time.
        """
        if self.selected:
            return format_html(
                '<a class="facet-option is-selected" href="{}" aria-current="true">'
                '<span class="facet-check" aria-hidden="true">✓</span>'
                '<span class="facet-label">{}<span class="visually-hidden">'
                " (selected, select to remove)</span></span>"
                '<span class="facet-count">{}</span></a>',
                self.url,
                self.label,
                self.count,
            )
        return format_html(
            '<a class="facet-option" href="{}"><span class="facet-check" aria-hidden="true">'
            '</span><span class="facet-label">{}</span><span class="facet-count">{}</span></a>',
            self.url,
            self.label,
            self.count,
        )


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
        return self.options[VISIBLE_OPTIONS : VISIBLE_OPTIONS + MORE_OPTIONS]


@dataclass(frozen=True)
class FacetSpec:
    """A facet: its parameter name, its heading, and the lesson column it is counted by.

    Project type and department are counted by ``project_id`` and folded together in
    Python, so the statement needs no join: each project belongs to one type and one
    department.
    """

    name: str
    label: str
    column: str
    choices: dict[str, str] | None = None
    curators_only: bool = False


TAG_COLUMN = "tag"
FACETS = [
    FacetSpec("category", "Category", "category_id"),
    FacetSpec("tag", "Tags", TAG_COLUMN),
    FacetSpec("project_type", "Project type", "project_id"),
    FacetSpec("department", "Department", "project_id"),
    FacetSpec("project", "Project", "project_id"),
    FacetSpec("phase", "Phase", "phase_id"),
    FacetSpec("kind", "Kind", "kind", choices=dict(Lesson.Kind.choices)),
    FacetSpec("impact", "Impact", "impact", choices=dict(Lesson.Impact.choices)),
    FacetSpec("likelihood", "Likelihood", "likelihood", choices=dict(Lesson.Likelihood.choices)),
    FacetSpec("visibility", "Visibility", "visibility", choices=dict(Lesson.Visibility.choices)),
    FacetSpec(
        "status", "Status", "status", choices=dict(Lesson.Status.choices), curators_only=True
    ),
]


class FacetLabels:
    """Turns the raw values counted in SQL into (parameter value, label) pairs."""

    def __init__(self, tag_ids: set[int]):
        self.categories = {
            category_id: (slug, name)
            for category_id, slug, name in Category.objects.values_list("id", "slug", "name")
        }
        self.projects = {
            p.id: p for p in Project.objects.select_related("project_type", "department")
        }
        self.phases = dict(Phase.objects.values_list("id", "name"))
        self.tags = {
            tag_id: (slug, name)
            for tag_id, slug, name in Tag.objects.filter(id__in=tag_ids).values_list(
                "id", "slug", "name"
            )
        }

    def resolve(self, spec: FacetSpec, raw: str) -> tuple[str, str] | None:
        if spec.choices is not None:
            return raw, spec.choices.get(raw, raw)
        key = int(raw)
        if spec.name == "category":
            return self.categories.get(key)
        if spec.name == "tag":
            return self.tags.get(key)
        if spec.name == "phase":
            name = self.phases.get(key)
            return (name, name) if name else None
        project = self.projects.get(key)
        if project is None:
            return None
        if spec.name == "project":
            return project.code, f"{project.code} {project.name}"
        if spec.name == "project_type":
            return project.project_type.slug, project.project_type.name
        return str(project.department_id), project.department.name


TOTAL = "__total__"
# Per counted name (a column, or TOTAL): (value as text, lessons); the total's value is None.
RawCounts = dict[str, list[tuple[str | None, int]]]
# Scales are listed as they run, the highest first, not by count.
SCALE_ORDER = {
    "impact": {value: index for index, value in enumerate(Lesson.Impact.values)},
    "likelihood": {value: index for index, value in enumerate(Lesson.Likelihood.values)},
}


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


def _count_by(queryset: QuerySet, columns: list[str], *, with_total: bool) -> RawCounts:
    """``(value as text, lessons)`` per value of each column (and the total) over ``queryset``,
    in one statement (``grouped_counts``); lessons without a value are not counted.

    A column is its own grouping. Tags are no column of the lessons: their counts join the
    tagged items to the same materialised lessons, in the same statement.
    """
    plain = [column for column in columns if column != TAG_COLUMN]
    groupings = {column: (column,) for column in plain} | ({TOTAL: ()} if with_total else {})
    base, params = base_table(queryset, ["id", *plain])
    branches = [grouped_counts_sql(groupings)] if groupings else []
    if TAG_COLUMN in columns:
        branches.append(_tag_counts_sql())
        params.append(ContentType.objects.get_for_model(Lesson).id)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {base} {' UNION ALL '.join(branches)}", params)
        rows = cursor.fetchall()
    counted: RawCounts = {}
    for name, value, count in rows:
        if value is not None or name == TOTAL:
            counted.setdefault(name, []).append((value, count))
    return counted


def _tag_counts_sql() -> str:
    """Rows ``(TAG_COLUMN, tag id, lessons)`` for the lessons of ``base``."""
    if connection.vendor == "postgresql":
        # Matches in id order let PostgreSQL merge them with the tag index (which is in
        # object id order) instead of hashing the whole tag table on every search.
        return (
            f"SELECT '{TAG_COLUMN}', CAST(item.tag_id AS TEXT), COUNT(*) "
            "FROM taggit_taggeditem AS item "
            "JOIN (SELECT id FROM base ORDER BY id) AS matched ON matched.id = item.object_id "
            "WHERE item.content_type_id = %s GROUP BY item.tag_id"
        )
    return (
        f"SELECT '{TAG_COLUMN}', CAST(item.tag_id AS TEXT), COUNT(*) FROM base "
        "JOIN taggit_taggeditem AS item ON item.object_id = base.id "
        "AND item.content_type_id = %s GROUP BY item.tag_id"
    )


def facet_counts(
    filterset: LessonFilterSet, queryset: QuerySet, *, is_curator: bool
) -> tuple[list[Facet], int]:
    """Every facet with its options counted disjunctively, and the total, over ``queryset``."""
    active = filterset.active_values()
    specs = [spec for spec in FACETS if is_curator or not spec.curators_only]
    raw_counts, total = _raw_counts(filterset, queryset, specs, active)
    labels = FacetLabels({int(raw) for raw, _ in raw_counts.get("tag", [])})
    facets = [
        _facet(spec, raw_counts[spec.name], labels, active.get(spec.name, []), filterset.data)
        for spec in specs
    ]
    return facets, total


def _raw_counts(
    filterset: LessonFilterSet,
    queryset: QuerySet,
    specs: list[FacetSpec],
    active: dict[str, list[str]],
) -> tuple[RawCounts, int]:
    """Per facet name, ``(value as text, lessons)``; and the total.

    Facets without a selection share the fully filtered set and are counted together with
    the total in one statement; a facet with a selection (and the curators' status facet,
    which is not limited to published lessons) is counted over the set filtered by
    everything but itself, in one statement more.
    """
    shared = [spec for spec in specs if spec.name not in active and spec.name != "status"]
    shared_counts = _count_by(
        filterset.filter_queryset_except(queryset, None),
        sorted({spec.column for spec in shared}),
        with_total=True,
    )
    total = shared_counts.get(TOTAL, [(None, 0)])[0][1]
    raw_counts = {spec.name: shared_counts.get(spec.column, []) for spec in shared}
    for spec in specs:
        if spec not in shared:
            own = _count_by(
                filterset.filter_queryset_except(queryset, spec.name),
                [spec.column],
                with_total=False,
            )
            raw_counts[spec.name] = own.get(spec.column, [])
    return raw_counts, total


def _facet(
    spec: FacetSpec,
    raw_counts: list[tuple[str | None, int]],
    labels: FacetLabels,
    selected: list[str],
    params: QueryDict,
) -> Facet:
    """One facet's options, labelled (values of one label folded together) and ordered:
    scales as they run, the others selected first, then by count and label."""
    merged: dict[tuple[str, str], int] = {}
    for raw, count in raw_counts:
        resolved = labels.resolve(spec, raw)
        if resolved is not None:
            merged[resolved] = merged.get(resolved, 0) + count
    facet = Facet(spec.name, spec.label)
    for (value, label), count in merged.items():
        is_selected = value in selected
        toggle = (spec.name, value)
        url = url_with(params, remove=toggle) if is_selected else url_with(params, add=toggle)
        facet.options.append(FacetOption(value, label, count, is_selected, url))
    if spec.name in SCALE_ORDER:
        order = SCALE_ORDER[spec.name]
        facet.options.sort(key=lambda o: order.get(o.value, -1), reverse=True)
    else:
        facet.options.sort(key=lambda o: (not o.selected, -o.count, o.label.lower()))
    return facet


@dataclass
class Chip:
    """An active filter and the link that removes it.

    A chip with ``parts`` shows one condition made of several values (``tag_all``): its
    ``heading`` then each part with its own removal link; ``remove_url`` drops them all.
    """

    label: str
    remove_url: str
    heading: str = ""
    parts: list[Chip] = field(default_factory=list)


def active_chips(filterset: LessonFilterSet, facets: list[Facet]) -> list[Chip]:
    """One removable chip per active value, labelled as its facet shows it."""
    params = filterset.data
    labels = {(f.name, o.value): o.label for f in facets for o in f.options}
    titles = {spec.name: spec.label for spec in FACETS}
    chips = []
    if filterset.text:
        chips.append(Chip(f"“{filterset.text}”", url_with(params, replace={"q": None})))
    for name, values in filterset.active_values().items():
        if name == "tag_all":
            chips.append(_all_tags_chip(filterset, values))
            continue
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


def _all_tags_chip(filterset: LessonFilterSet, slugs: list[str]) -> Chip:
    """One chip for ``tag_all`` (the values only mean something together), each tag in it
    removable on its own."""
    params = filterset.data
    names = {tag.slug: tag.name for tag in filterset.form.cleaned_data["tag_all"]}
    slugs = list(dict.fromkeys(slugs))  # tag_all=a&tag_all=a is one tag
    heading = "Tagged with all of:"
    return Chip(
        label=f"{heading} {', '.join(names.get(slug, slug) for slug in slugs)}",
        remove_url=url_with(params, replace={"tag_all": None}),
        heading=heading,
        parts=[
            Chip(names.get(slug, slug), url_with(params, remove=("tag_all", slug)))
            for slug in slugs
        ],
    )
