"""The curation pages (/curation/): Curators and Administrators only, everyone else 403.

Thin views: lists come from lessons.curation, status changes from lessons.workflow, rules
for tags and categories from lessons.curation. Which transitions the review page offers for
a lesson, and which ``make_transition`` accepts, is the table's (lessons.workflow.TRANSITIONS).
Lessons are fetched through ``Lesson.objects.visible_to`` (an unknown id is 404). Every
change is a POST and ends with a message; a form with a mistake comes back with what was
typed and the error beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST
from taggit.models import Tag

from accounts.decorators import curators_only
from config.pagination import CountedPaginator
from lessons import workflow
from lessons.curation import rules as curation
from lessons.curation.forms import (
    TRANSITION_FORMS,
    CategoryForm,
    MergeForm,
    TagMergeForm,
    TagRenameForm,
    TransitionForm,
)
from lessons.models import Category, Lesson
from lessons.workflow import Place, Transition

PAGE_SIZE = 25
TAGS_PAGE_SIZE = 50
HISTORY_ROWS = 15
TAGGED_LESSONS_SHOWN = 10


def _lesson(request: HttpRequest, pk: int) -> Lesson:
    return get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related(
            "project",
            "project__project_type",
            "project__department",
            "phase",
            "review",
            "category",
            "submitted_by",
            "reviewed_by",
            "recurrence_of",
            "merged_into",
        ),
        pk=pk,
    )


# -- the lists -----------------------------------------------------------------------------------


def _tabs(request: HttpRequest, tab: str) -> dict:
    """The tabs of the lists, with how many lessons each holds, this one ``tab``."""
    counts = curation.queue_counts(request.user)
    # The top bar's count of submitted lessons comes from here too, without a query.
    return {"tab": tab, "counts": counts, "submitted_count": counts["submitted"]}


def _list_page(request: HttpRequest, tab: str, lessons: QuerySet) -> HttpResponse:
    context = _tabs(request, tab)
    page = CountedPaginator(lessons, PAGE_SIZE, context["counts"][tab]).get_page(
        request.GET.get("page")
    )
    context.update(page=page, lessons=list(page.object_list))
    return render(request, "lessons/curation/queue.html", context)


@curators_only
def queue(request: HttpRequest) -> HttpResponse:
    """Submitted lessons, the longest waiting first."""
    return _list_page(request, "submitted", curation.submitted_queue(request.user))


@curators_only
def due(request: HttpRequest) -> HttpResponse:
    """Published lessons whose review date has passed."""
    return _list_page(request, "due", curation.due_for_review(request.user))


@curators_only
def archived(request: HttpRequest) -> HttpResponse:
    return _list_page(request, "archived", curation.archived(request.user))


@curators_only
def duplicates(request: HttpRequest) -> HttpResponse:
    pairs, scanned, waiting = curation.possible_duplicates(request.user)
    context = _tabs(request, "duplicates")
    context.update(pairs=pairs, scanned=scanned, waiting=waiting)
    return render(request, "lessons/curation/duplicates.html", context)


# -- one lesson ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the review page says once a transition is made, and where it goes next."""

    done: str  # the message, with {title}; the e-mail news is added after it
    then: str  # "queue", "review" (this lesson) or "kept" (a merge)


OUTCOMES: dict[str, Outcome] = {
    workflow.APPROVE.name: Outcome("“{title}” is published", "queue"),
    workflow.REJECT.name: Outcome("“{title}” was rejected", "queue"),
    workflow.SEND_BACK.name: Outcome("“{title}” went back to its author as a draft", "queue"),
    workflow.ARCHIVE.name: Outcome("“{title}” is archived", "review"),
    workflow.UNARCHIVE.name: Outcome("“{title}” is published again", "review"),
    workflow.STILL_VALID.name: Outcome(
        "“{title}” was reviewed and still holds: next review on {review_due}", "review"
    ),
    workflow.MERGE.name: Outcome("“{title}” was merged into “{kept}”", "kept"),
}


def _transition_form(
    request: HttpRequest, lesson: Lesson, transition: Transition, data=None
) -> TransitionForm:
    """The form of one transition of ``lesson``: empty, or bound to ``data``."""
    form_class = TRANSITION_FORMS[transition.name]
    if form_class is not MergeForm:
        return form_class(data)
    into = request.GET.get("into", "")
    return MergeForm(
        data,
        initial={"into": into} if into.isdigit() else None,
        candidates=curation.merge_candidates(request.user, lesson),
    )


def _transition_forms(request: HttpRequest, lesson: Lesson) -> dict[str, TransitionForm]:
    """An empty form for each transition the table lets this lesson take on this page."""
    return {
        transition.name: _transition_form(request, lesson, transition)
        for transition in workflow.open_transitions(lesson, request.user, on=Place.REVIEW_PAGE)
    }


def _merge_search(request: HttpRequest, lesson: Lesson, *, offered: bool) -> dict:
    """The lessons found to merge this one into, and the one chosen (``?find=``, ``?into=``)."""
    find = request.GET.get("find", "").strip()[:200]
    into = request.GET.get("into", "")
    merge_target = None
    if offered and into.isdigit():
        candidates = curation.merge_candidates(request.user, lesson)
        merge_target = candidates.select_related("project").filter(pk=int(into)).first()
    return {
        "find": find,
        "found": curation.find_merge_candidates(request.user, lesson, find) if find else [],
        "merge_target": merge_target,
    }


def _lesson_record(request: HttpRequest, lesson: Lesson) -> dict:
    """The lesson's history and what hangs on it, for the review page's side panels."""
    history = lesson.history.select_related("history_user").order_by("-history_date", "-history_id")
    return {
        "today": timezone.localdate(),
        "history": list(history[:HISTORY_ROWS]),
        "history_total": history.count(),
        "actions_count": lesson.actions.count(),
        "applications_count": lesson.applications.count(),
        "merged_lessons": Lesson.objects.visible_to(request.user)
        .filter(merged_into=lesson)
        .only("pk", "title"),
    }


def _review_page(
    request: HttpRequest, lesson: Lesson, bound: forms.Form | None = None
) -> HttpResponse:
    transition_forms = _transition_forms(request, lesson)
    if bound is not None:
        transition_forms[bound.prefix] = bound
    context = {"lesson": lesson, "forms": transition_forms, "bound": bound}
    context.update(
        tags=list(lesson.tags.all()),
        **_merge_search(request, lesson, offered=workflow.MERGE.name in transition_forms),
        **_lesson_record(request, lesson),
    )
    return render(request, "lessons/curation/review.html", context)


@curators_only
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """One lesson as a curator reviews it: every field, its history, its transitions."""
    return _review_page(request, _lesson(request, pk))


@curators_only
@require_POST
def make_transition(request: HttpRequest, pk: int, transition: str) -> HttpResponse:
    """Make one transition of the review page; a mistake shows the page again, nothing lost."""
    chosen = workflow.transition_at(transition)
    if chosen is None or Place.REVIEW_PAGE not in chosen.offered_on:
        raise Http404("No such transition.")
    lesson = _lesson(request, pk)
    form = _transition_form(request, lesson, chosen, request.POST)
    refusal = chosen.refusal(lesson, request.user)
    if refusal is not None:
        form.add_error(None, refusal)
    elif form.is_valid():
        try:
            result = workflow.make(chosen, lesson, by=request.user, data=form.cleaned_data)
        except workflow.TransitionError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, OUTCOMES[chosen.name], lesson, result)
    return _review_page(request, lesson, bound=form)


def _done(request: HttpRequest, outcome: Outcome, lesson: Lesson, result: Lesson) -> HttpResponse:
    """Say what was done and who was told; go back to a fixed place, never one from the form."""
    told = Lesson.objects.select_related("submitted_by").get(pk=lesson.pk)
    text = outcome.done.format(
        title=lesson.title,
        kept=result.title,
        review_due=date_format(result.review_due, "j M Y") if result.review_due else "",
    )
    messages.success(request, text + curation.news_sent_to(told) + ".")
    if request.POST.get("next") == "due":
        return redirect("curation:due")
    if outcome.then == "queue":
        return redirect("curation:queue")
    return redirect("curation:review", result.pk if outcome.then == "kept" else lesson.pk)


# -- tags ------------------------------------------------------------------------------------------


@curators_only
def tag_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    unused = request.GET.get("unused") == "1"
    tags = curation.tags_with_usage(text, unused_only=unused)
    page = Paginator(tags, TAGS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "lessons/curation/tags.html",
        {"page": page, "tags": list(page.object_list), "q": text, "unused": unused},
    )


def _tag_page(
    request: HttpRequest, tag: Tag, rename: forms.Form | None = None, merge=None
) -> HttpResponse:
    counted = curation.tags_with_usage().get(pk=tag.pk)
    lessons = (
        curation.lessons_tagged(tag)
        .filter(pk__in=Lesson.objects.visible_to(request.user).values("pk"))
        .select_related("project")
        .only("pk", "title", "status", "project__code")
        .order_by("-pk")
    )
    return render(
        request,
        "lessons/curation/tag_detail.html",
        {
            "tag": counted,
            "lessons": list(lessons[:TAGGED_LESSONS_SHOWN]),
            "rename_form": rename or TagRenameForm(tag=tag),
            "merge_form": merge or TagMergeForm(tag=tag),
            "bound": rename or merge,
        },
    )


@curators_only
def tag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _tag_page(request, get_object_or_404(Tag, pk=pk))


@curators_only
@require_POST
def tag_rename(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    old_name = tag.name
    form = TagRenameForm(request.POST, tag=tag)
    if form.is_valid():
        try:
            curation.rename_tag(tag, form.cleaned_data["name"], by=request.user)
        except curation.CurationError as error:
            form.add_error("name", str(error))
        else:
            messages.success(
                request,
                f"The tag “{old_name}” is now “{tag.name}” on every lesson that had it.",
            )
            return redirect("curation:tag", tag.pk)
    tag.name = old_name
    return _tag_page(request, tag, rename=form)


@curators_only
@require_POST
def tag_merge(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    form = TagMergeForm(request.POST, tag=tag)
    if form.is_valid():
        target = form.cleaned_data["into"]
        try:
            curation.merge_tags(tag, target, by=request.user)
        except curation.CurationError as error:
            form.add_error("into", str(error))
        else:
            messages.success(
                request,
                f"The tag “{tag.name}” was merged into “{target.name}”: every lesson that had "
                f"it is now tagged “{target.name}”.",
            )
            return redirect("curation:tag", target.pk)
    return _tag_page(request, tag, merge=form)


@curators_only
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    deleted = _delete_unused(request, lambda: curation.delete_unused_tag(tag), f"tag “{tag.name}”")
    return redirect("curation:tags") if deleted else redirect("curation:tag", tag.pk)


def _delete_unused(request: HttpRequest, delete: Callable[[], None], what: str) -> bool:
    """Delete a tag or category no lesson uses, and say so; when one does, say why not."""
    try:
        delete()
    except curation.CurationError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, f"The unused {what} was deleted.")
    return True


# -- categories ---------------------------------------------------------------------------------


@curators_only
def category_list(request: HttpRequest) -> HttpResponse:
    """Every category with how many lessons use it, and a form to add one."""
    form = CategoryForm(request.POST or None, prefix="add")
    if request.method == "POST" and form.is_valid():
        category = form.save()
        messages.success(request, f"The category “{category.name}” was added.")
        return redirect("curation:categories")
    return render(
        request,
        "lessons/curation/categories.html",
        {"categories": list(curation.categories_with_usage()), "form": form},
    )


@curators_only
def category_detail(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(curation.categories_with_usage(), pk=pk)
    name = category.name
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"The category “{category.name}” was saved.")
        return redirect("curation:categories")
    category.name = name  # the heading shows the saved name, the form what was typed
    return render(
        request, "lessons/curation/category_detail.html", {"category": category, "form": form}
    )


@curators_only
@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    deleted = _delete_unused(
        request, lambda: curation.delete_unused_category(category), f"category “{category.name}”"
    )
    return redirect("curation:categories") if deleted else redirect("curation:category", pk)
