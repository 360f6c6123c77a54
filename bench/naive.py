"""The naive search ``make bench`` compares against: what one writes without a search layer.

``icontains`` over the text fields for every word, then a separate COUNT for every option
of every facet, all through the same access rule.
"""

from __future__ import annotations

from django.db.models import Q

from lessons.models import Category, Lesson
from projects.models import Department, Phase, Project, ProjectType

TEXT_FIELDS = ("title", "summary", "context", "root_cause", "recommendation")
TOP_TAGS = 30


def naive_search(user, params: dict) -> dict:
    base = Lesson.objects.visible_to(user).filter(status="published")
    q = str(params.get("q", "")).replace('"', " ")
    for word in q.split():
        if word.startswith("-") or word.lower() == "or":
            continue
        match = Q()
        for name in TEXT_FIELDS:
            match |= Q(**{f"{name}__icontains": word})
        base = base.filter(match)

    filters = {
        "category": lambda v: Q(category__slug=v),
        "impact": lambda v: Q(impact=v),
        "kind": lambda v: Q(kind=v),
        "project_type": lambda v: Q(project__project_type__slug=v),
        "occurred_after": lambda v: Q(occurred_on__gte=v),
    }
    active = {name: fn(params[name]) for name, fn in filters.items() if name in params}

    def without(name: str | None):
        qs = base
        for other, condition in active.items():
            if other != name:
                qs = qs.filter(condition)
        return qs

    results = without(None)
    total = results.count()
    order = "-rating_avg" if params.get("sort") == "useful" else "-published_at"
    page = int(params.get("page", 1))
    list(results.order_by(order)[(page - 1) * 20 : page * 20])

    options = {
        "category": [Q(category=c) for c in Category.objects.all()],
        "kind": [Q(kind=v) for v in Lesson.Kind.values],
        "impact": [Q(impact=v) for v in Lesson.Impact.values],
        "visibility": [Q(visibility=v) for v in Lesson.Visibility.values],
        "project_type": [Q(project__project_type=t) for t in ProjectType.objects.all()],
        "department": [Q(project__department=d) for d in Department.objects.all()],
        "project": [Q(project=p) for p in Project.objects.all()],
        "phase": [
            Q(phase__name=n) for n in Phase.objects.values_list("name", flat=True).distinct()
        ],
        "tag": [
            Q(tags__name=n)
            for n in Lesson.tags.most_common()[:TOP_TAGS].values_list("name", flat=True)
        ],
    }
    for name, conditions in options.items():
        facet_base = without(name)
        for condition in conditions:
            facet_base.filter(condition).count()
    return {"total": total}
