"""The lesson page's actions and applications: add, update, edit, record."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from lessons import views as lesson_page
from lessons.models import Lesson
from lessons.practice.forms import ActionEditForm, ActionForm, ActionStatusForm, ApplicationForm
from lessons.practice.services import (
    application_projects,
    create_action,
    record_application,
    update_action,
    update_action_status,
)


def practice_panels(request: HttpRequest, lesson: Lesson) -> dict:
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
        or (ApplicationForm(projects=application_projects(user)) if can_apply else None),
    }


def _practice_lesson(request: HttpRequest, pk: int) -> Lesson:
    """The lesson, if this user may see it: 404 otherwise."""
    return get_object_or_404(Lesson.objects.visible_to(request.user), pk=pk)


def _lesson_page_with_errors(request: HttpRequest, pk: int, forms: dict) -> HttpResponse:
    """The lesson page again, the bound form kept with everything typed into it."""
    request.practice_forms = forms
    response = lesson_page.lesson_detail(request, pk)
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
    action = create_action(lesson, **form.action_fields())
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
    update_action_status(action, form.cleaned_data["status"])
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
            update_action(action, **form.action_fields())
            messages.success(request, "Action saved.")
            return _after_action_change(request, action, was_done, f"#action-{action.pk}")
        messages.error(request, "The action was not saved: please check the form.")
    context = {"lesson": lesson, "action": action, "form": form}
    return render(
        request, "lessons/practice/action_form.html", context, status=400 if form.is_bound else 200
    )


@require_POST
def application_add(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = _practice_lesson(request, pk)
    if not policy.can_record_application(request.user, lesson):
        raise PermissionDenied("Only contributors record applications of published lessons.")
    form = ApplicationForm(request.POST, projects=application_projects(request.user))
    if not form.is_valid():
        messages.error(request, "The application was not recorded: please check the form.")
        return _lesson_page_with_errors(request, pk, {"application": form})
    application = record_application(lesson, applied_by=request.user, **form.cleaned_data)
    messages.success(
        request, f"Recorded: {application.project.code} applied this lesson. Thank you."
    )
    return redirect(reverse("lessons:detail", args=[lesson.pk]) + "#applications")
