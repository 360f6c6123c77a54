from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from accounts.roles import is_curator
from lessons import search
from lessons.facets import active_chips, facet_counts, url_with
from lessons.filters import LessonFilterSet, Sort
from lessons.forms import RatingForm
from lessons.models import Lesson, Rating
from lessons.services import rate_lesson, record_view, remove_rating

HOME_LIST_SIZE = 6
PAGE_SIZE = 20
RELATED_SIZE = 5


class CountedPaginator(Paginator):
    """A paginator that reuses a total counted once, instead of counting again."""

    def __init__(self, object_list, per_page: int, total: int):
        super().__init__(object_list, per_page)
        self._total = total

    @cached_property
    def count(self) -> int:
        return self._total


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
            "errors": filterset.form.errors if filterset.is_bound else {},
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


EXPORT_COLUMNS = [
    "id",
    "title",
    "summary",
    "lesson",
    "kind",
    "category",
    "impact",
    "likelihood",
    "project",
    "project_type",
    "department",
    "phase",
    "tags",
    "status",
    "visibility",
    "occurred_on",
    "published_at",
    "rating_avg",
    "rating_count",
    "view_count",
    "submitted_by",
    "url",
]


def _safe_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell may not start with = + - @."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    filterset = LessonFilterSet(request.GET, queryset=searchable_lessons(request))
    filterset.is_valid()
    lessons = (
        filterset.qs.select_related(
            "project__project_type", "project__department", "phase", "category", "submitted_by"
        )
        .with_tag_list()
        .iterator(chunk_size=1000)
    )
    site = request.build_absolute_uri("/").rstrip("/")
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(EXPORT_COLUMNS)
        for lesson in lessons:
            submitter = "" if not lesson.shows_submitter else lesson.submitted_by.display_name
            yield writer.writerow(
                _safe_cell(value)
                for value in (
                    lesson.pk,
                    lesson.title,
                    lesson.summary,
                    lesson.recommendation,
                    lesson.get_kind_display(),
                    lesson.category.name if lesson.category else "",
                    lesson.get_impact_display(),
                    lesson.get_likelihood_display(),
                    lesson.project.code,
                    lesson.project.project_type.name,
                    lesson.project.department.name,
                    lesson.phase.name if lesson.phase else "",
                    ", ".join(sorted(tag.name for tag in lesson.tag_list)),
                    lesson.get_status_display(),
                    lesson.get_visibility_display(),
                    lesson.occurred_on or "",
                    lesson.published_at.date() if lesson.published_at else "",
                    f"{lesson.rating_avg:.2f}" if lesson.rating_count else "",
                    lesson.rating_count,
                    lesson.view_count,
                    submitter,
                    site + lesson.get_absolute_url(),
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="hindsight-lessons.csv"'
    return response


def home(request: HttpRequest) -> HttpResponse:
    visible = Lesson.objects.visible_to(request.user).published().for_cards()
    return render(
        request,
        "home.html",
        {
            "recent_lessons": visible.order_by("-published_at", "-pk")[:HOME_LIST_SIZE],
            "useful_lessons": visible.filter(rating_count__gt=0).most_useful()[:HOME_LIST_SIZE],
            "my_open_actions": request.user.actions.filter(status__in=["open", "in_progress"])
            .filter(lesson__in=Lesson.objects.visible_to(request.user))
            .select_related("lesson")[:HOME_LIST_SIZE],
        },
    )


def related_lessons(lesson: Lesson, visible) -> list[Lesson]:
    """Similar text first, then shared tags, then same category and project type."""
    candidates = visible.filter(status=Lesson.Status.PUBLISHED, merged_into__isnull=True).exclude(
        pk=lesson.pk
    )
    tag_names = [tag.name for tag in lesson.tags.all()]
    text = " ".join([lesson.title, lesson.summary, *tag_names])
    chosen = list(search.similar(candidates, text, limit=RELATED_SIZE).values_list("pk", flat=True))
    if len(chosen) < RELATED_SIZE:
        fallback = (
            candidates.exclude(pk__in=chosen)
            .filter(
                Q(tags__name__in=tag_names)
                | Q(
                    category_id=lesson.category_id,
                    project__project_type_id=lesson.project.project_type_id,
                )
            )
            .annotate(shared=Count("tags", filter=Q(tags__name__in=tag_names)))
            .order_by("-shared", "-rating_avg", "-pk")
            .values_list("pk", flat=True)[: RELATED_SIZE - len(chosen)]
        )
        chosen += list(fallback)
    by_pk = {related.pk: related for related in candidates.filter(pk__in=chosen).for_cards()}
    return [by_pk[pk] for pk in chosen if pk in by_pk]


def _back_to_search(request: HttpRequest) -> str | None:
    """The search this lesson was opened from, rebuilt from its parameters only."""
    back = request.GET.get("back")
    if back is None:
        return None
    params = QueryDict(back)
    allowed = set(LessonFilterSet.base_filters) | {"page"}
    kept = [(k, v) for k, values in params.lists() if k in allowed for v in values]
    return reverse("lessons:list") + ("?" + urlencode(kept) if kept else "")


def lesson_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related(
            "project",
            "project__project_type",
            "project__department",
            "phase",
            "category",
            "submitted_by",
            "review",
            "recurrence_of",
            "merged_into",
        ),
        pk=pk,
    )
    visible = Lesson.objects.visible_to(request.user)
    if lesson.merged_into_id:
        kept = visible.filter(pk=lesson.merged_into_id).first()
        if kept is not None:
            return redirect(kept)
    record_view(lesson)
    my_rating = Rating.objects.filter(lesson=lesson, user=request.user).first()
    rating_form = RatingForm(
        initial={"score": my_rating.score, "comment": my_rating.comment} if my_rating else None
    )
    return render(
        request,
        "lessons/lesson_detail.html",
        {
            "lesson": lesson,
            "tags": list(lesson.tags.all()),
            "my_rating": my_rating,
            "rating_form": rating_form,
            "can_rate": policy.can_rate(request.user, lesson),
            "related": related_lessons(lesson, visible),
            "back_url": _back_to_search(request),
            "actions": lesson.actions.select_related("owner"),
            "applications": lesson.applications.select_related("project", "applied_by"),
            "recurrences": visible.filter(recurrence_of=lesson).select_related("project"),
            "recurrence_of": (
                visible.filter(pk=lesson.recurrence_of_id).first()
                if lesson.recurrence_of_id
                else None
            ),
        },
    )


@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(Lesson.objects.visible_to(request.user), pk=pk)
    if not policy.can_rate(request.user, lesson):
        messages.error(request, "Only published lessons can be rated.")
        return redirect(lesson)
    if "remove" in request.POST:
        if remove_rating(lesson, request.user):
            messages.success(request, "Your rating was removed.")
        return redirect(lesson)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a score from 1 to 5 to rate this lesson.")
        return redirect(lesson)
    rate_lesson(lesson, request.user, form.cleaned_data["score"], form.cleaned_data["comment"])
    messages.success(request, "Thank you: your rating helps others find the most useful lessons.")
    return redirect(lesson)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
