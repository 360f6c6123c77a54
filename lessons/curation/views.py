"""The curation pages (/curation/): Curators and Administrators only, everyone else 403.

Thin views: lists come from lessons.curation, status changes from lessons.workflow, rules
for tags and categories from lessons.curation. Lessons are fetched through
``Lesson.objects.visible_to`` (an unknown id is 404). Every action is a POST and ends with
a message; a form with a mistake comes back with what was typed and the error beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST
from taggit.models import Tag

from accounts import policy
from config.pagination import CountedPaginator
from lessons import workflow
from lessons.curation import rules as curation
from lessons.curation.forms import (
    ApproveForm,
    ArchiveForm,
    CategoryForm,
    MergeForm,
    RejectForm,
    SendBackForm,
    StillValidForm,
    TagMergeForm,
    TagRenameForm,
    UnarchiveForm,
)
from lessons.models import Category, Lesson

PAGE_SIZE = 25
TAGS_PAGE_SIZE = 50
HISTORY_ROWS = 15
TAGGED_LESSONS_SHOWN = 10
Status = Lesson.Status


def curators_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.can_curate(request.user):
            raise PermissionDenied("Only curators and administrators curate lessons.")
        return view(request, *args, **kwargs)

    return wrapped


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


def _list_page(
    request: HttpRequest, tab: str, lessons: QuerySet, counts: dict[str, int], **context
) -> HttpResponse:
    page = CountedPaginator(lessons, PAGE_SIZE, counts[tab]).get_page(request.GET.get("page"))
    return render(
        request,
        "lessons/curation/queue.html",
        {
            "tab": tab,
            "counts": counts,
            "submitted_count": counts["submitted"],  # the top bar's count, without a query
            "page": page,
            "lessons": list(page.object_list),
            **context,
        },
    )


@curators_only
def queue(request: HttpRequest) -> HttpResponse:
    """Submitted lessons, the longest waiting first."""
    counts = curation.queue_counts(request.user)
    return _list_page(request, "submitted", curation.submitted_queue(request.user), counts)


@curators_only
def due(request: HttpRequest) -> HttpResponse:
    """Published lessons whose review date has passed."""
    counts = curation.queue_counts(request.user)
    return _list_page(
        request,
        "due",
        curation.due_for_review(request.user),
        counts,
        still_valid_form=StillValidForm(),
    )


@curators_only
def archived(request: HttpRequest) -> HttpResponse:
    counts = curation.queue_counts(request.user)
    return _list_page(request, "archived", curation.archived(request.user), counts)


@curators_only
def duplicates(request: HttpRequest) -> HttpResponse:
    counts = curation.queue_counts(request.user)
    pairs, scanned, waiting = curation.possible_duplicates(request.user)
    return render(
        request,
        "lessons/curation/duplicates.html",
        {
            "tab": "duplicates",
            "counts": counts,
            "submitted_count": counts["submitted"],
            "pairs": pairs,
            "scanned": scanned,
            "waiting": waiting,
        },
    )


# -- one lesson ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CuratorAction:
    """One action of the review page: its form, the workflow call, what to say afterwards."""

    form: type[forms.Form]
    starts_from: tuple[str, ...]
    run: Callable[[Lesson, object, dict], Lesson]
    done: str  # the message, with {title}; the e-mail news is added after it
    then: str  # where to go next: "queue", "review" (this lesson) or "kept" (a merge)


ACTIONS: dict[str, CuratorAction] = {
    "approve": CuratorAction(
        ApproveForm,
        (Status.SUBMITTED,),
        lambda lesson, by, data: workflow.approve(lesson, by=by, review_due=data["review_due"]),
        "“{title}” is published",
        "queue",
    ),
    "reject": CuratorAction(
        RejectForm,
        (Status.SUBMITTED,),
        lambda lesson, by, data: workflow.reject(lesson, by=by, reason=data["reason"]),
        "“{title}” was rejected",
        "queue",
    ),
    "send_back": CuratorAction(
        SendBackForm,
        (Status.SUBMITTED,),
        lambda lesson, by, data: workflow.send_back(lesson, by=by, comment=data["comment"]),
        "“{title}” went back to its author as a draft",
        "queue",
    ),
    "archive": CuratorAction(
        ArchiveForm,
        (Status.PUBLISHED,),
        lambda lesson, by, data: workflow.archive(lesson, by=by, reason=data["reason"]),
        "“{title}” is archived",
        "review",
    ),
    "unarchive": CuratorAction(
        UnarchiveForm,
        (Status.ARCHIVED,),
        lambda lesson, by, data: workflow.unarchive(lesson, by=by, reason=data["reason"]),
        "“{title}” is published again",
        "review",
    ),
    "still_valid": CuratorAction(
        StillValidForm,
        (Status.PUBLISHED,),
        lambda lesson, by, data: workflow.confirm_still_valid(
            lesson, by=by, review_due=data["review_due"]
        ),
        "“{title}” was reviewed and still holds: next review on {review_due}",
        "review",
    ),
    "merge": CuratorAction(
        MergeForm,
        (Status.SUBMITTED, Status.PUBLISHED, Status.REJECTED, Status.ARCHIVED),
        lambda lesson, by, data: workflow.merge(
            lesson, into=data["into"], by=by, reason=data["reason"]
        ),
        "“{title}” was merged into “{kept}”",
        "kept",
    ),
}


def _action_forms(request: HttpRequest, lesson: Lesson) -> dict[str, forms.Form]:
    """An empty form for each action the lesson's status allows."""
    available = {}
    for name, action in ACTIONS.items():
        if lesson.status not in action.starts_from:
            continue
        if name == "merge":
            if lesson.merged_into_id:
                continue
            into = request.GET.get("into", "")
            available[name] = MergeForm(
                initial={"into": into} if into.isdigit() else None,
                candidates=curation.merge_candidates(request.user, lesson),
            )
        elif name == "send_back" and not (lesson.shows_submitter and lesson.submitted_by.is_active):
            continue  # anonymous, or its author left: nobody to send it back to
        elif name == "unarchive" and lesson.merged_into_id:
            continue
        else:
            available[name] = action.form()
    return available


def _review_page(
    request: HttpRequest, lesson: Lesson, bound: forms.Form | None = None
) -> HttpResponse:
    action_forms = _action_forms(request, lesson)
    if bound is not None:
        action_forms[bound.prefix] = bound
    find = request.GET.get("find", "").strip()[:200]
    into = request.GET.get("into", "")
    merge_target = None
    if "merge" in action_forms and into.isdigit():
        candidates = curation.merge_candidates(request.user, lesson)
        merge_target = candidates.select_related("project").filter(pk=int(into)).first()
    history = lesson.history.select_related("history_user").order_by("-history_date", "-history_id")
    return render(
        request,
        "lessons/curation/review.html",
        {
            "lesson": lesson,
            "tags": list(lesson.tags.all()),
            "forms": action_forms,
            "bound": bound,
            "find": find,
            "found": curation.find_merge_candidates(request.user, lesson, find) if find else [],
            "merge_target": merge_target,
            "today": timezone.localdate(),
            "history": list(history[:HISTORY_ROWS]),
            "history_total": history.count(),
            "actions_count": lesson.actions.count(),
            "applications_count": lesson.applications.count(),
            "merged_lessons": Lesson.objects.visible_to(request.user)
            .filter(merged_into=lesson)
            .only("pk", "title"),
        },
    )


@curators_only
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """One lesson as a curator reviews it: every field, its history, the actions."""
    return _review_page(request, _lesson(request, pk))


@curators_only
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one action of the review page; a mistake shows the page again, nothing lost."""
    action = action.replace("-", "_")
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such curator action.")
    lesson = _lesson(request, pk)
    extra = {"candidates": curation.merge_candidates(request.user, lesson)}
    form = spec.form(request.POST, **(extra if action == "merge" else {}))
    if form.is_valid():
        try:
            result = spec.run(lesson, request.user, form.cleaned_data)
        except workflow.TransitionError as error:
            form.add_error(None, str(error))
        else:
            told = Lesson.objects.select_related("submitted_by").get(pk=lesson.pk)
            text = spec.done.format(
                title=lesson.title,
                kept=result.title,
                review_due=date_format(result.review_due, "j M Y") if result.review_due else "",
            )
            messages.success(request, text + curation.news_sent_to(told) + ".")
            return _after(request, spec.then, lesson, result)
    return _review_page(request, lesson, bound=form)


def _after(request: HttpRequest, then: str, lesson: Lesson, result: Lesson) -> HttpResponse:
    # A fixed set of places to go back to, never an address from the form.
    back = request.POST.get("next")
    if back == "due":
        return redirect("curation:due")
    if then == "queue":
        return redirect("curation:queue")
    if then == "kept":
        return redirect("curation:review", result.pk)
    return redirect("curation:review", lesson.pk)


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
    try:
        curation.delete_unused_tag(tag)
    except curation.CurationError as error:
        messages.error(request, str(error))
        return redirect("curation:tag", tag.pk)
    messages.success(request, f"The unused tag “{tag.name}” was deleted.")
    return redirect("curation:tags")


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
    try:
        curation.delete_unused_category(category)
    except curation.CurationError as error:
        messages.error(request, str(error))
        return redirect("curation:category", category.pk)
    messages.success(request, f"The unused category “{category.name}” was deleted.")
    return redirect("curation:categories")
