"""Recording and editing lessons: /lessons/new/, /lessons/<id>/edit/, submit, tag suggestions.

The rules are ``lessons.capture.services`` (the API takes the same path): these views turn
what it answers, and its refusals, into pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accounts import policy
from lessons import workflow
from lessons.capture import duplicates
from lessons.capture.forms import LessonForm
from lessons.capture.services import (
    EditConflict,
    InvalidLesson,
    MayNotEdit,
    MayNotRecord,
    MayNotSubmit,
    NotADraft,
    Refused,
    StaleEdit,
    UnknownEarlierLesson,
    check_can_edit,
    check_can_record,
    check_can_submit,
    create_lesson,
    is_visible_to,
    save_edit,
    submit_lesson,
    suggested_tags,
)
from lessons.models import Lesson, LessonEditConflict
from projects.models import Project

TAG_SUGGESTIONS = 30

# What the page says to each refusal: a title, and why.
FORBIDDEN = {
    MayNotRecord: (
        "Only contributors record lessons",
        "Your role lets you read and rate lessons. To record lessons from your projects, "
        "ask an administrator to make you a Contributor.",
    ),
    MayNotEdit: (
        "This lesson can no longer be edited here",
        "Its author edits a lesson while it is a draft; once it is submitted, only "
        "curators change it. Ask a curator if something needs correcting.",
    ),
    MayNotSubmit: (
        "Only its author can submit this lesson",
        "A draft is submitted for review by the person who wrote it, or by a curator.",
    ),
}


def _forbidden(request: HttpRequest, refusal: Refused) -> HttpResponse:
    title, reason = FORBIDDEN[type(refusal)]
    return render(
        request, "lessons/capture/_forbidden.html", {"title": title, "reason": reason}, status=403
    )


def _lesson_form_page(
    request: HttpRequest,
    form: LessonForm,
    *,
    lesson: Lesson | None = None,
    preview: dict[str, str] | None = None,
    conflict: EditConflict | None = None,
    can_save: bool = True,
    status: int = 200,
) -> HttpResponse:
    is_draft = lesson is None or lesson.status == Lesson.Status.DRAFT
    return render(
        request,
        "lessons/capture/lesson_form.html",
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
            "tag_suggestions": suggested_tags(request.user, limit=TAG_SUGGESTIONS),
        },
        status=status,
    )


def _preview_page(request: HttpRequest, lesson: Lesson | None) -> HttpResponse:
    """The form as typed, without error messages (a preview is not a save), and the text
    rendered as it will be shown."""
    kwargs = {"instance": lesson} if lesson is not None else {}
    shape = LessonForm(user=request.user, **kwargs)
    initial = {
        name: request.POST.get(name, "")
        for name, field in shape.fields.items()
        if not field.disabled and name != "is_anonymous"
    }
    if not shape.fields["is_anonymous"].disabled:
        initial["is_anonymous"] = bool(request.POST.get("is_anonymous"))
    form = LessonForm(user=request.user, initial=initial, **kwargs)
    names = ("title", "summary", *LessonForm.MARKDOWN_FIELDS)
    texts = {name: request.POST.get(name, "") for name in names}
    return _lesson_form_page(request, form, lesson=lesson, preview=texts)


def _posted_number(request: HttpRequest, name: str) -> int | None:
    """A number as posted (None when missing or garbled)."""
    raw = request.POST.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def _submit(
    request: HttpRequest, lesson: Lesson, *, recurrence_of: int | None = None
) -> HttpResponse:
    """Send a saved draft to the curators (linked to the lesson it repeats, if any).

    ``UnknownEarlierLesson`` is the caller's to answer.
    """
    try:
        submitted = submit_lesson(lesson, by=request.user, recurrence_of=recurrence_of)
    except LessonEditConflict:
        messages.error(
            request, "Someone else saved this lesson a moment ago: check it, then submit again."
        )
        return redirect(lesson)
    except (workflow.TransitionError, MayNotSubmit) as error:
        messages.error(request, str(error))
        return redirect(lesson)
    if not is_visible_to(request.user, submitted):
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


# -- recording -------------------------------------------------------------------------------


def lesson_create(request: HttpRequest) -> HttpResponse:
    try:
        check_can_record(request.user)
    except MayNotRecord as refusal:
        return _forbidden(request, refusal)
    if request.method != "POST":
        initial = {}
        code = request.GET.get("project")
        if code:
            initial["project"] = (
                Project.objects.filter(code=code).values_list("pk", flat=True).first()
            )
        return _lesson_form_page(request, LessonForm(user=request.user, initial=initial))
    intent = request.POST.get("intent", "save")
    if intent == "preview":
        return _preview_page(request, None)
    try:
        lesson = create_lesson(request.POST, by=request.user)
    except InvalidLesson as invalid:
        return _lesson_form_page(request, invalid.form)
    if intent == "submit":
        return _submit_after_duplicate_check(request, lesson)
    messages.success(
        request,
        "Draft saved. Nobody but you and the curators can see it until you submit it for review.",
    )
    return redirect(lesson)


# -- editing ---------------------------------------------------------------------------------


def _conflict_page(request: HttpRequest, stale: StaleEdit) -> HttpResponse:
    """Refuse a stale save: the editor's text stays, with what changed and how to go on.

    The form carries the current version from here on, so saving again ("keep my version")
    deliberately replaces what the other person saved.
    """
    current = stale.current
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = LessonForm(data, instance=current, user=request.user)
    form.is_valid()  # any field errors show beside the conflict
    return _lesson_form_page(
        request,
        form,
        lesson=current,
        conflict=stale.conflict,
        can_save=policy.can_edit_lesson(request.user, current),
        status=409,
    )


def _save_edit(request: HttpRequest, lesson: Lesson) -> HttpResponse:
    loaded = _posted_number(request, "version")
    try:
        saved = save_edit(lesson, request.POST, by=request.user, loaded_version=loaded)
    except StaleEdit as stale:
        return _conflict_page(request, stale)
    except InvalidLesson as invalid:
        return _lesson_form_page(request, invalid.form, lesson=lesson)
    wants_submit = request.POST.get("intent") == "submit"
    if wants_submit and policy.can_submit_lesson(request.user, saved):
        return _submit_after_duplicate_check(request, saved)
    messages.success(
        request, "Draft saved." if saved.status == Lesson.Status.DRAFT else "Changes saved."
    )
    return redirect(saved)


def lesson_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related("project", "phase", "category"),
        pk=pk,
    )
    posted = request.method == "POST"
    try:
        check_can_edit(request.user, lesson, _posted_number(request, "version") if posted else None)
    except StaleEdit as stale:  # the author's draft was submitted while the form was open
        return _conflict_page(request, stale)
    except MayNotEdit as refusal:
        return _forbidden(request, refusal)
    if not posted:
        return _lesson_form_page(
            request, LessonForm(instance=lesson, user=request.user), lesson=lesson
        )
    if request.POST.get("intent") == "preview":
        return _preview_page(request, lesson)
    return _save_edit(request, lesson)


# -- submitting ------------------------------------------------------------------------------


def _duplicates_page(request: HttpRequest, lesson: Lesson, chosen: str, error: str) -> HttpResponse:
    candidates = duplicates.duplicate_candidates(request.user, lesson)
    snippets = duplicates.duplicate_snippets(candidates, lesson)
    for candidate in candidates:
        candidate.snippet = snippets.get(candidate.pk)
    return render(
        request,
        "lessons/capture/_duplicates.html",
        {"lesson": lesson, "candidates": candidates, "error": error, "chosen": chosen},
        status=400 if error else 200,
    )


def _submit_as_recurrence(request: HttpRequest, lesson: Lesson) -> HttpResponse | None:
    """Submit linked to the earlier lesson chosen; None when none the user may see was."""
    earlier = _posted_number(request, "recurrence_of")
    if earlier is None:
        return None
    try:
        return _submit(request, lesson, recurrence_of=earlier)
    except UnknownEarlierLesson:
        return None


def lesson_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The duplicate check: link the draft as a recurrence, open a match, or submit anyway."""
    lesson = get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related("project", "review"), pk=pk
    )
    try:
        check_can_submit(request.user, lesson)
    except NotADraft:
        messages.info(request, "This lesson has already been submitted.")
        return redirect(lesson)
    except MayNotSubmit as refusal:
        return _forbidden(request, refusal)
    intent = request.POST.get("intent") if request.method == "POST" else None
    if intent == "submit":
        return _submit(request, lesson)
    error = ""
    if intent == "recurrence":
        submitted = _submit_as_recurrence(request, lesson)
        if submitted is not None:
            return submitted
        error = "Choose the earlier lesson this one repeats, then press the button again."
    return _duplicates_page(request, lesson, request.POST.get("recurrence_of", ""), error)


@require_GET
def tag_suggestions(request: HttpRequest) -> JsonResponse:
    """Tags for the capture form's autocomplete: only tags of lessons the user may see."""
    text = request.GET.get("q", "").strip()[:100]
    return JsonResponse({"tags": suggested_tags(request.user, text)})
