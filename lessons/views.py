"""The lesson page and rating."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from lessons import search
from lessons.briefing import relevance as briefing
from lessons.forms import RatingForm
from lessons.models import Lesson, Rating
from lessons.practice.views import practice_panels
from lessons.ratings import rate_lesson, record_view, remove_rating
from lessons.search.filters import LessonFilterSet

RELATED_SIZE = 5


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


def _merged_address(request: HttpRequest, pk: int) -> HttpResponse | None:
    """The old address of an organisation-wide lesson merged into another redirects there.

    A merged duplicate is archived, so readers no longer see it; its address still leads
    anyone who may read the kept lesson to it. Duplicates that were not organisation-wide
    stay 404 for those who cannot see them, so their address gives nothing away.
    """
    duplicate = (
        Lesson.objects.filter(pk=pk, visibility=Lesson.Visibility.ORGANISATION)
        .exclude(merged_into=None)
        .values_list("merged_into_id", flat=True)
        .first()
    )
    if duplicate is None:
        return None
    kept = Lesson.objects.visible_to(request.user).filter(pk=duplicate).first()
    return redirect(kept) if kept is not None else None


def lesson_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = (
        Lesson.objects.visible_to(request.user)
        .select_related(
            "project",
            "project__project_type",
            "project__department",
            "phase",
            "category",
            "submitted_by",
            "review",
            "recurrence_of",
            "merged_into",
        )
        .filter(pk=pk)
        .first()
    )
    if lesson is None:
        merged = _merged_address(request, pk)
        if merged is None:
            raise Http404("No such lesson")
        return merged
    visible = Lesson.objects.visible_to(request.user)
    if lesson.merged_into_id:
        kept = visible.filter(pk=lesson.merged_into_id).first()
        if kept is not None:
            return redirect(kept)
    if request.method == "GET":  # not when a failed form re-renders the page
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
            "can_edit": policy.can_edit_lesson(request.user, lesson),
            "related": related_lessons(lesson, visible),
            "back_url": _back_to_search(request),
            **practice_panels(request, lesson),
            "checklist_items": briefing.checklist_items_from(lesson),
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
