"""/lessons/: the search page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page
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


def _page_url(params: QueryDict, number: int) -> str:
    url = url_with(params)
    return f"{url}{'&' if len(url) > 1 else ''}page={number}"


def lesson_list(request: HttpRequest) -> HttpResponse:
    """The search page: a page of the matching lessons, the facets, the active filters as
    removable chips, and the links that keep the search (sort, pages, exports)."""
    base = Lesson.objects.searchable_by(request.user)
    filterset = LessonFilterSet(request.GET, queryset=base, request=request)
    filterset.is_valid()
    results = filterset.qs
    facets, total = facet_counts(filterset, base, is_curator=is_curator(request.user))
    text = filterset.text
    suggestion = search.suggest(text) if text and not total else None
    if text and filterset.sort_order == Sort.RELEVANCE:
        results = search.RankedResults(results, text, total)
    else:
        results = results.for_cards()
    page = CountedPaginator(results, PAGE_SIZE, total).get_page(request.GET.get("page"))
    lessons = _with_snippets(list(page.object_list) if total else [], text)
    return render(
        request,
        "lessons/search/lesson_list.html",
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
            "suggestion": suggestion,
            **_links(request.GET.copy(), page, text, suggestion),
        },
    )


def _with_snippets(lessons: list[Lesson], text: str) -> list[Lesson]:
    """The lessons, each with the passage of its text that matches the search words."""
    snippets = search.snippets([lesson.pk for lesson in lessons], text) if text else {}
    for lesson in lessons:
        lesson.snippet = snippets.get(lesson.pk)
    return lessons


def _links(params: QueryDict, page: Page, text: str, suggestion: str | None) -> dict[str, Any]:
    """The page's links and hidden fields, each keeping the current search."""
    back = urlencode([(k, v) for k, values in params.lists() for v in values])
    search_params = url_with(params).rstrip("?")
    return {
        "sort_links": [
            (value, label, url_with(params, replace={"sort": value}))
            for value, label in Sort.CHOICES
            if value != Sort.RELEVANCE or text
        ],
        "previous_url": _page_url(params, page.previous_page_number())
        if page.has_previous()
        else None,
        "next_url": _page_url(params, page.next_page_number()) if page.has_next() else None,
        "export_url": reverse("lessons:export_csv") + search_params,
        "export_links": [
            (label, reverse(f"lessons:export_{name}") + search_params)
            for name, label in (("csv", "CSV"), ("xlsx", "Excel"), ("json", "JSON"))
        ],
        "link_suffix": "?" + urlencode({"back": back}) if back else "",
        "clear_url": reverse("lessons:list"),
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
    }
