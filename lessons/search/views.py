"""/lessons/: the search page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import (
    HttpRequest,
    HttpResponse,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse

from accounts.roles import is_curator
from config.pagination import PAGE_SIZE, CountedPaginator
from lessons import search
from lessons.models import Lesson
from lessons.search.facets import active_chips, facet_counts, url_with
from lessons.search.filters import LessonFilterSet, Sort


def searchable_lessons(request: HttpRequest):
    """The lessons a search may return for this user: visible, and not merged away."""
    return Lesson.objects.visible_to(request.user).filter(merged_into__isnull=True)


def _page_url(params: QueryDict, number: int) -> str:
    url = url_with(params)
    return f"{url}{'&' if len(url) > 1 else ''}page={number}"


def lesson_list(request: HttpRequest) -> HttpResponse:
    base = searchable_lessons(request)
    filterset = LessonFilterSet(request.GET, queryset=base, request=request)
    filterset.is_valid()
    results = filterset.qs
    facets, total = facet_counts(filterset, base, is_curator=is_curator(request.user))
    suggestion = search.suggest(filterset.text) if filterset.text and not total else None
    text = filterset.text
    if text and filterset.sort_order == Sort.RELEVANCE:
        results = search.RankedResults(results, text, total)
    else:
        results = results.for_cards()
    paginator = CountedPaginator(results, PAGE_SIZE, total)
    page = paginator.get_page(request.GET.get("page"))
    lessons = list(page.object_list) if total else []
    snippets = search.snippets([lesson.pk for lesson in lessons], text) if text else {}
    for lesson in lessons:
        lesson.snippet = snippets.get(lesson.pk)
    params = request.GET.copy()
    back = urlencode([(k, v) for k, values in params.lists() for v in values])
    return render(
        request,
        "lessons/lesson_list.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "errors": filterset.form.errors,
            "lessons": lessons,
            "page": page,
            "total": total,
            "facets": facets,
            "chips": active_chips(filterset, facets),
            "sort": filterset.sort_order,
            "sort_links": [
                (value, label, url_with(params, replace={"sort": value}))
                for value, label in Sort.CHOICES
                if value != Sort.RELEVANCE or text
            ],
            "previous_url": _page_url(params, page.previous_page_number())
            if page.has_previous()
            else None,
            "next_url": _page_url(params, page.next_page_number()) if page.has_next() else None,
            "export_url": reverse("lessons:export_csv") + url_with(params).rstrip("?"),
            "export_links": [
                (label, reverse(f"lessons:export_{name}") + url_with(params).rstrip("?"))
                for name, label in (("csv", "CSV"), ("xlsx", "Excel"), ("json", "JSON"))
            ],
            "link_suffix": "?" + urlencode({"back": back}) if back else "",
            "clear_url": reverse("lessons:list"),
            "suggestion": suggestion,
            "suggestion_url": url_with(params, replace={"q": suggestion}) if suggestion else None,
            "back": back,
            "hidden_params": [
                (k, v) for k, values in params.lists() for v in values if k not in ("q", "page")
            ],
            "date_params": [
                (k, v)
                for k, values in params.lists()
                for v in values
                if k not in ("occurred_after", "occurred_before", "rating_min", "page")
            ],
        },
    )
