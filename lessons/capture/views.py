"""Recording and editing lessons: /lessons/new/, /lessons/<id>/edit/, submit, tag suggestions."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accounts import policy
from lessons import workflow
from lessons.capture import duplicates
from lessons.capture import services as capture
from lessons.capture.forms import LessonForm
from lessons.history import attribute_change
from lessons.models import Lesson, LessonEditConflict
from projects.models import Project

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
    if duplicates.duplicate_candidates(request.user, lesson):
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
                    attribute_change(saved, reason=reason)
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
    candidates = duplicates.duplicate_candidates(request.user, lesson)
    snippets = duplicates.duplicate_snippets(candidates, lesson)
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
