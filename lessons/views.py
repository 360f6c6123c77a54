from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.roles import is_curator
from lessons import actions as practice
from lessons import briefing, capture, exports, search, workflow
from lessons.facets import active_chips, facet_counts, url_with
from lessons.filters import LessonFilterSet, Sort
from lessons.forms import (
    ActionEditForm,
    ActionForm,
    ActionStatusForm,
    ApplicationForm,
    LessonForm,
    RatingForm,
)
from lessons.models import Lesson, LessonEditConflict, Rating
from lessons.services import rate_lesson, record_view, remove_rating
from projects.models import Project

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


def _export(request: HttpRequest) -> tuple[list[int], Callable[[], Iterator[dict]]]:
    """The ids of the page's search, and a generator of its lessons as export records."""
    visible = searchable_lessons(request)
    filterset = LessonFilterSet(request.GET, queryset=visible, request=request)
    filterset.is_valid()
    ids = exports.ordered_ids(filterset)
    site = request.build_absolute_uri("/").rstrip("/")

    def records() -> Iterator[dict]:
        for lesson in exports.lessons_in_order(ids, visible):
            yield exports.lesson_record(lesson, site)

    return ids, records


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, records = _export(request)
    response = StreamingHttpResponse(
        exports.csv_lines(records()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="hindsight-lessons.csv"'
    return response


@require_GET
def export_xlsx(request: HttpRequest) -> FileResponse:
    _, records = _export(request)
    return FileResponse(
        exports.write_xlsx(records()),
        as_attachment=True,
        filename="hindsight-lessons.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_GET
def export_json(request: HttpRequest) -> StreamingHttpResponse:
    ids, records = _export(request)
    response = StreamingHttpResponse(
        exports.json_chunks(records(), len(ids)), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="hindsight-lessons.json"'
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
            **_practice_context(request, lesson),
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


# -- recording and editing lessons (DESIGN.md section 6: /lessons/new/, /lessons/<id>/edit/) --

TAG_SUGGESTIONS = 30


def _capture_forbidden(request: HttpRequest, title: str, reason: str) -> HttpResponse:
    return render(
        request, "lessons/_capture_forbidden.html", {"title": title, "reason": reason}, status=403
    )


def _lesson_form_page(
    request: HttpRequest,
    form: LessonForm,
    *,
    lesson: Lesson | None = None,
    preview: dict[str, str] | None = None,
    conflict: capture.EditConflict | None = None,
    can_save: bool = True,
    status: int = 200,
) -> HttpResponse:
    is_draft = lesson is None or lesson.status == Lesson.Status.DRAFT
    return render(
        request,
        "lessons/lesson_form.html",
        {
            "form": form,
            "lesson": lesson,
            "preview": preview,
            "conflict": conflict,
            "can_save": can_save,
            "is_draft": is_draft,
            "can_submit": is_draft
            and (lesson is None or policy.can_submit_lesson(request.user, lesson)),
            "curation_note": lesson.curation_note if lesson is not None and is_draft else "",
            "tag_suggestions": capture.tag_suggestions(request.user, limit=TAG_SUGGESTIONS),
        },
        status=status,
    )


def _preview_form(request: HttpRequest, lesson: Lesson | None) -> LessonForm:
    """The form as typed, without error messages: a preview is not a save."""
    kwargs = {"instance": lesson} if lesson is not None else {}
    shape = LessonForm(user=request.user, **kwargs)
    initial = {
        name: request.POST.get(name, "")
        for name, field in shape.fields.items()
        if not field.disabled and name != "is_anonymous"
    }
    if not shape.fields["is_anonymous"].disabled:
        initial["is_anonymous"] = bool(request.POST.get("is_anonymous"))
    return LessonForm(user=request.user, initial=initial, **kwargs)


def _preview_texts(request: HttpRequest) -> dict[str, str]:
    names = ("title", "summary", *LessonForm.MARKDOWN_FIELDS)
    return {name: request.POST.get(name, "") for name in names}


def _submit(
    request: HttpRequest, lesson: Lesson, *, recurrence_of: Lesson | None = None
) -> HttpResponse:
    """Send a saved draft to the curators (linking it to the lesson it repeats, if any)."""
    try:
        with transaction.atomic():
            if recurrence_of is not None:
                lesson.recurrence_of = recurrence_of
                lesson.save(update_fields=["recurrence_of"])
            submitted = workflow.submit(lesson, by=request.user)
    except LessonEditConflict:
        messages.error(
            request, "Someone else saved this lesson a moment ago: check it, then submit again."
        )
        return redirect(lesson)
    except workflow.TransitionError as error:
        messages.error(request, str(error))
        return redirect(lesson)
    if not Lesson.objects.visible_to(request.user).filter(pk=submitted.pk).exists():
        messages.success(
            request,
            "Submitted for review, anonymously. Hindsight no longer knows it was yours, so it "
            "is not listed under your lessons; you will find it under Lessons once a curator "
            "publishes it.",
        )
        return redirect("home")
    messages.success(
        request,
        "Submitted for review. A curator will read it and publish it or ask you about it.",
    )
    return redirect(submitted)


def _submit_after_duplicate_check(request: HttpRequest, lesson: Lesson) -> HttpResponse:
    """Submit at once, unless visible lessons look like the same one: then ask first."""
    if capture.duplicate_candidates(request.user, lesson):
        return redirect("lessons:submit", pk=lesson.pk)
    return _submit(request, lesson)


def lesson_create(request: HttpRequest) -> HttpResponse:
    if not policy.can_create_lesson(request.user):
        return _capture_forbidden(
            request,
            "Only contributors record lessons",
            "Your role lets you read and rate lessons. To record lessons from your projects, "
            "ask an administrator to make you a Contributor.",
        )
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "preview":
            form = _preview_form(request, None)
            return _lesson_form_page(request, form, preview=_preview_texts(request))
        form = LessonForm(request.POST, user=request.user)
        if form.is_valid():
            with transaction.atomic():
                lesson = form.save(commit=False)
                lesson.submitted_by = request.user
                lesson.status = Lesson.Status.DRAFT
                lesson.save()
                form.save_m2m()
            if action == "submit":
                return _submit_after_duplicate_check(request, lesson)
            messages.success(
                request,
                "Draft saved. Nobody but you and the curators can see it until you submit it "
                "for review.",
            )
            return redirect(lesson)
    else:
        initial = {}
        code = request.GET.get("project")
        if code:
            initial["project"] = (
                Project.objects.filter(code=code).values_list("pk", flat=True).first()
            )
        form = LessonForm(user=request.user, initial=initial)
    return _lesson_form_page(request, form)


def _posted_version(request: HttpRequest) -> int | None:
    """The version the editor started from, as posted (None when missing or garbled)."""
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _editable_lesson(request: HttpRequest, pk: int) -> Lesson:
    return get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related("project", "phase", "category"),
        pk=pk,
    )


def _conflict_page(request: HttpRequest, pk: int, loaded_version: int | None) -> HttpResponse:
    """Refuse a stale save: the editor's text stays, with what changed and how to go on.

    The form carries the current version from here on, so saving again ("keep my version")
    deliberately replaces what the other person saved.
    """
    current = _editable_lesson(request, pk)
    labels = {name: str(field.label) for name, field in LessonForm.base_fields.items()}
    labels["status"] = "Status"
    conflict = capture.edit_conflict(current, loaded_version, request.user, labels)
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = LessonForm(data, instance=current, user=request.user)
    form.is_valid()  # any field errors show beside the conflict
    return _lesson_form_page(
        request,
        form,
        lesson=current,
        conflict=conflict,
        can_save=policy.can_edit_lesson(request.user, current),
        status=409,
    )


def lesson_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = _editable_lesson(request, pk)
    if not policy.can_edit_lesson(request.user, lesson):
        loaded = _posted_version(request)
        if (
            request.method == "POST"
            and loaded != lesson.version
            and lesson.submitted_by_id == (request.user.pk)
        ):
            # The author's draft was submitted while this form was open: keep their text.
            return _conflict_page(request, pk, loaded)
        return _capture_forbidden(
            request,
            "This lesson can no longer be edited here",
            "Its author edits a lesson while it is a draft; once it is submitted, only "
            "curators change it. Ask a curator if something needs correcting.",
        )
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "preview":
            form = _preview_form(request, lesson)
            return _lesson_form_page(request, form, lesson=lesson, preview=_preview_texts(request))
        form = LessonForm(request.POST, instance=lesson, user=request.user)
        loaded, current_version = _posted_version(request), lesson.version
        valid = form.is_valid()
        if loaded != current_version:
            return _conflict_page(request, pk, loaded)
        if valid:
            try:
                with transaction.atomic():
                    saved = form.save(commit=False)
                    saved.version = loaded  # a save racing this one is refused by the model
                    reason = form.cleaned_data.get("change_reason", "")
                    saved._change_reason = reason or None
                    saved.save()
                    form.save_m2m()
                    if "change_reason" in form.fields:
                        workflow.notify_edit(saved, by=request.user, reason=reason)
            except LessonEditConflict:
                return _conflict_page(request, pk, loaded)
            if action == "submit" and policy.can_submit_lesson(request.user, saved):
                return _submit_after_duplicate_check(request, saved)
            if saved.status == Lesson.Status.DRAFT:
                messages.success(request, "Draft saved.")
            else:
                messages.success(request, "Changes saved.")
            return redirect(saved)
        return _lesson_form_page(request, form, lesson=lesson)
    form = LessonForm(instance=lesson, user=request.user)
    return _lesson_form_page(request, form, lesson=lesson)


def lesson_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The duplicate check: link the draft as a recurrence, open a match, or submit anyway."""
    lesson = get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related("project", "review"), pk=pk
    )
    if lesson.status != Lesson.Status.DRAFT:
        messages.info(request, "This lesson has already been submitted.")
        return redirect(lesson)
    if not policy.can_submit_lesson(request.user, lesson):
        return _capture_forbidden(
            request,
            "Only its author can submit this lesson",
            "A draft is submitted for review by the person who wrote it, or by a curator.",
        )
    error = ""
    chosen = request.POST.get("recurrence_of", "")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "submit":
            return _submit(request, lesson)
        if action == "recurrence":
            earlier = (
                Lesson.objects.visible_to(request.user)
                .exclude(pk=lesson.pk)
                .filter(pk=int(chosen))
                .first()
                if chosen.isdigit()
                else None
            )
            if earlier is not None:
                return _submit(request, lesson, recurrence_of=earlier)
            error = "Choose the earlier lesson this one repeats, then press the button again."
    candidates = capture.duplicate_candidates(request.user, lesson)
    snippets = capture.duplicate_snippets(candidates, lesson)
    for candidate in candidates:
        candidate.snippet = snippets.get(candidate.pk)
    return render(
        request,
        "lessons/_capture_duplicates.html",
        {"lesson": lesson, "candidates": candidates, "error": error, "chosen": chosen},
        status=400 if error else 200,
    )


@require_GET
def tag_suggestions(request: HttpRequest) -> JsonResponse:
    """Tags for the capture form's autocomplete: only tags of lessons the user may see."""
    text = request.GET.get("q", "").strip()[:100]
    return JsonResponse({"tags": capture.tag_suggestions(request.user, text)})


# -- putting lessons into practice: actions and applications (issue 6) -------------------------


def _practice_context(request: HttpRequest, lesson: Lesson) -> dict:
    """The lesson page's Actions and "Applied in later projects" panels, with their forms.

    A failed POST leaves its bound form on ``request.practice_forms`` so the page is shown
    again with the typed text and the errors beside each field.
    """
    user = request.user
    bound = getattr(request, "practice_forms", {})
    actions = list(
        lesson.actions.select_related("owner", "target_checklist").order_by("due_on", "pk")
    )
    for action in actions:
        action.can_update = policy.can_update_action(user, action)
        action.status_form = bound.get(("status", action.pk)) or ActionStatusForm(
            initial={"status": action.status}, prefix=f"action-{action.pk}"
        )
    can_add = policy.can_add_action(user, lesson)
    can_apply = policy.can_record_application(user, lesson)
    applications = lesson.applications.select_related("project", "applied_by")
    return {
        "actions": actions,
        "applications": applications,
        "can_add_action": can_add,
        "action_form": bound.get("action")
        or (ActionForm(lesson=lesson, user=user) if can_add else None),
        "can_record_application": can_apply,
        "application_form": bound.get("application")
        or (ApplicationForm(projects=practice.application_projects(user)) if can_apply else None),
    }


def _practice_lesson(request: HttpRequest, pk: int) -> Lesson:
    """The lesson, if this user may see it: 404 otherwise (DESIGN.md section 5)."""
    return get_object_or_404(Lesson.objects.visible_to(request.user), pk=pk)


def _lesson_page_with_errors(request: HttpRequest, pk: int, forms: dict) -> HttpResponse:
    """The lesson page again, the bound form kept with everything typed into it."""
    request.practice_forms = forms
    response = lesson_detail(request, pk)
    response.status_code = 400
    return response


@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = _practice_lesson(request, pk)
    if not policy.can_add_action(request.user, lesson):
        raise PermissionDenied("Only contributors add actions, and only to published lessons.")
    form = ActionForm(request.POST, lesson=lesson, user=request.user)
    if not form.is_valid():
        messages.error(request, "The action was not added: please check the form.")
        return _lesson_page_with_errors(request, pk, {"action": form})
    action = practice.create_action(lesson, **form.action_fields())
    owner = action.owner.display_name if action.owner else "nobody"
    messages.success(request, f"Action added and assigned to {owner}.")
    return redirect(reverse("lessons:detail", args=[lesson.pk]) + "#actions")


@require_POST
def action_update(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    lesson = _practice_lesson(request, pk)
    action = get_object_or_404(lesson.actions.select_related("owner"), pk=action_id)
    if not policy.can_update_action(request.user, action):
        raise PermissionDenied("Only the action's owner or a curator updates it.")
    form = ActionStatusForm(request.POST, prefix=f"action-{action.pk}")
    if not form.is_valid():
        messages.error(request, "The action was not updated: choose one of the statuses.")
        return _lesson_page_with_errors(request, pk, {("status", action.pk): form})
    was_done = action.status == action.Status.DONE
    practice.update_action_status(action, form.cleaned_data["status"])
    messages.success(request, f"Action marked {action.get_status_display().lower()}.")
    return _after_action_change(request, action, was_done, "#actions")


def _after_action_change(request: HttpRequest, action, was_done: bool, anchor: str) -> HttpResponse:
    """Back to the lesson, unless the action was just done and changes one of the curated
    checklists: then a curator goes on to write its item, and anyone else is told one will.
    """
    if action.target_checklist_id and action.status == action.Status.DONE and not was_done:
        if policy.can_curate(request.user):
            return redirect("curation:action_checklist", action.pk)
        messages.info(
            request, f"A curator will add this to the checklist {action.target_checklist.name}."
        )
    return redirect(reverse("lessons:detail", args=[action.lesson_id]) + anchor)


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    """Change anything about an action: its owner's or a curator's page."""
    lesson = get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related("project"), pk=pk
    )
    action = get_object_or_404(
        lesson.actions.select_related("owner", "target_checklist"), pk=action_id
    )
    if not policy.can_update_action(request.user, action):
        raise PermissionDenied("Only the action's owner or a curator edits it.")
    form = ActionEditForm(
        request.POST if request.method == "POST" else None,
        lesson=lesson,
        user=request.user,
        action=action,
    )
    if request.method == "POST":
        if form.is_valid():
            was_done = action.status == action.Status.DONE
            practice.update_action(action, **form.action_fields())
            messages.success(request, "Action saved.")
            return _after_action_change(request, action, was_done, f"#action-{action.pk}")
        messages.error(request, "The action was not saved: please check the form.")
    context = {"lesson": lesson, "action": action, "form": form}
    return render(
        request, "lessons/action_form.html", context, status=400 if form.is_bound else 200
    )


@require_POST
def application_add(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = _practice_lesson(request, pk)
    if not policy.can_record_application(request.user, lesson):
        raise PermissionDenied("Only contributors record applications of published lessons.")
    form = ApplicationForm(request.POST, projects=practice.application_projects(request.user))
    if not form.is_valid():
        messages.error(request, "The application was not recorded: please check the form.")
        return _lesson_page_with_errors(request, pk, {"application": form})
    application = practice.record_application(lesson, applied_by=request.user, **form.cleaned_data)
    messages.success(
        request, f"Recorded: {application.project.code} applied this lesson. Thank you."
    )
    return redirect(reverse("lessons:detail", args=[lesson.pk]) + "#applications")
