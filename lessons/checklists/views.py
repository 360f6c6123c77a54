"""The checklist pages of /curation/: Curators and Administrators only, everyone else 403.

/curation/checklists/ lists the curated checklists and the updates waiting from completed
actions; a checklist's page edits it and its items; /curation/actions/<id>/checklist/ turns
a completed action into a new or updated item. Thin views: the rules are lessons.checklists.
Every change is a POST ending with a message; a mistake shows the page again with what was
typed and the error beside it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import curators_only
from lessons.checklists import rules as checklists
from lessons.checklists.forms import (
    ChecklistForm,
    FollowUpAddForm,
    FollowUpUpdateForm,
    ItemEditForm,
    ItemForm,
)
from lessons.checklists.rules import ChecklistError
from lessons.models import CARD_DEFERRED_FIELDS, Action, Checklist, ChecklistItem, Lesson

WAITING_SHOWN = 10


def _checklist_url(checklist_pk: int, anchor: str = "") -> str:
    url = reverse("curation:checklist", args=[checklist_pk])
    return f"{url}#{anchor}" if anchor else url


def _where(checklist: Checklist) -> str:
    """For whom a checklist is: "ERP rollout, Initiation" or "every project type, every phase"."""
    kind = checklist.project_type.name if checklist.project_type else "every project type"
    return f"{kind}, {checklist.phase_name or 'every phase'}"


# -- the list ----------------------------------------------------------------------------------


@curators_only
def checklist_list(request: HttpRequest) -> HttpResponse:
    """Every checklist, grouped by project type or phase; a form to add one; the checklist
    updates that completed actions are waiting for."""
    by = request.GET.get("by")
    by = by if by in checklists.GROUPINGS else "type"
    form = ChecklistForm(request.POST if request.method == "POST" else None, prefix="add")
    if form.is_bound and form.is_valid():
        try:
            checklist = checklists.create_checklist(**form.as_arguments())
        except ChecklistError as error:
            form.add_error("name", str(error))
        else:
            messages.success(
                request, f"The checklist “{checklist.name}” was added: now write its items."
            )
            return redirect("curation:checklist", checklist.pk)
    waiting = checklists.waiting_updates(request.user)
    shown = list(waiting[:WAITING_SHOWN])
    return render(
        request,
        "lessons/checklists/checklists.html",
        {
            "tab": "checklists",
            "by": by,
            "groupings": checklists.GROUPINGS,
            "groups": checklists.grouped_checklists(by),
            "form": form,
            # The new checklist's page follows; a mistake comes back grouped as before.
            "add_url": reverse("curation:checklists") + ("" if by == "type" else f"?by={by}"),
            "phase_names": checklists.phase_name_suggestions(),
            "updates_waiting": shown,
            "waiting_count": len(shown) if len(shown) < WAITING_SHOWN else waiting.count(),
        },
    )


# -- one checklist -------------------------------------------------------------------------------


def _checklist(pk: int) -> Checklist:
    return get_object_or_404(Checklist.objects.select_related("project_type"), pk=pk)


def _item(checklist_pk: int, item_pk: int) -> ChecklistItem:
    return get_object_or_404(
        ChecklistItem.objects.select_related("checklist"), pk=item_pk, checklist_id=checklist_pk
    )


def _detail_page(
    request: HttpRequest,
    checklist: Checklist,
    *,
    edit_form: ChecklistForm | None = None,
    item_form: ItemForm | None = None,
    bound_edit: ItemEditForm | None = None,
) -> HttpResponse:
    items = checklists.items_of(checklist, request.user)
    rows = [
        (
            item,
            bound_edit
            if bound_edit is not None and bound_edit.item.pk == item.pk
            else ItemEditForm(user=request.user, item=item),
        )
        for item in items
    ]
    if edit_form is None:
        edit_form = ChecklistForm(
            prefix="checklist",
            initial={
                "name": checklist.name,
                "project_type": checklist.project_type_id,
                "phase_name": checklist.phase_name or "",
            },
        )
    bound = next(
        (f for f in (edit_form, item_form, bound_edit) if f is not None and f.errors), None
    )
    return render(
        request,
        "lessons/checklists/checklist_detail.html",
        {
            "checklist": checklist,
            "where": _where(checklist),
            "rows": rows,
            "edit_form": edit_form,
            "item_form": item_form
            or ItemForm(prefix="item", user=request.user, initial={"position": len(items) + 1}),
            "bound": bound,
            "phase_names": checklists.phase_name_suggestions(),
        },
    )


@curators_only
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A checklist with its items; a POST here saves its name, project type and phase."""
    checklist = _checklist(pk)
    if request.method != "POST":
        return _detail_page(request, checklist)
    form = ChecklistForm(request.POST, prefix="checklist")
    if form.is_valid():
        try:  # nothing changes on a refusal: the heading keeps the saved name
            checklists.update_checklist(checklist, **form.as_arguments())
        except ChecklistError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"The checklist “{checklist.name}” was saved.")
            return redirect("curation:checklist", checklist.pk)
    return _detail_page(request, checklist, edit_form=form)


@curators_only
def checklist_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation, saying how many items go with it; POST deletes."""
    checklist = _checklist(pk)
    if request.method == "POST":
        name = checklist.name
        items = checklists.delete_checklist(checklist)
        messages.success(
            request,
            f"The checklist “{name}” was deleted with its {items} item{'s' if items != 1 else ''}.",
        )
        return redirect("curation:checklists")
    return render(
        request,
        "lessons/checklists/checklist_delete.html",
        {
            "checklist": checklist,
            "where": _where(checklist),
            "item_count": checklist.items.count(),
            "action_count": checklist.actions.filter(
                lesson__in=Lesson.objects.visible_to(request.user)
            ).count(),
        },
    )


@curators_only
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = _checklist(pk)
    form = ItemForm(request.POST, prefix="item", user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = checklists.add_item(
                checklist, text=data["text"], position=data["position"], lessons=data["citations"]
            )
        except ChecklistError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, f"Item {item.order} was added to “{checklist.name}”.")
            return redirect(_checklist_url(checklist.pk, f"item-{item.pk}"))
    return _detail_page(request, checklist, item_form=form)


@curators_only
@require_POST
def item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(pk, item_pk)
    form = ItemEditForm(request.POST, user=request.user, item=item)
    if form.is_valid():
        try:
            checklists.update_item(
                item,
                text=form.cleaned_data["text"],
                lessons=form.cleaned_data["citations"],
                user=request.user,
            )
        except ChecklistError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, "The item was saved.")
            return redirect(_checklist_url(pk, f"item-{item.pk}"))
    return _detail_page(request, _checklist(pk), bound_edit=form)


@curators_only
@require_POST
def item_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(pk, item_pk)
    direction = request.POST.get("direction", "")
    try:
        moved = checklists.move_item(item, direction)
    except ChecklistError as error:
        messages.error(request, str(error))
    else:
        if moved:
            messages.success(request, f"Item moved {direction}: it is now number {item.order}.")
        else:
            end = "first" if direction == "up" else "last"
            messages.info(request, f"Item {item.order} is already the {end}.")
    return redirect(_checklist_url(pk, f"item-{item.pk}"))


@curators_only
@require_POST
def item_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(pk, item_pk)
    number = checklists.delete_item(item)
    messages.success(request, f"Item {number} was deleted; the items after it moved up.")
    return redirect(_checklist_url(pk, "items"))


# -- a completed action's follow-up ---------------------------------------------------------------


def _follow_up_action(request: HttpRequest, action_id: int) -> Action:
    """An action that targets a checklist, on a lesson the user may see; else 404."""
    return get_object_or_404(
        Action.objects.filter(
            target_checklist__isnull=False,
            lesson__in=Lesson.objects.visible_to(request.user),
        )
        .select_related("lesson", "lesson__project", "target_checklist__project_type", "owner")
        .defer(*(f"lesson__{name}" for name in CARD_DEFERRED_FIELDS)),
        pk=action_id,
    )


@curators_only
def action_checklist(request: HttpRequest, action_id: int) -> HttpResponse:
    """A completed action's change, written into its checklist: as a new item citing the
    action's lesson, or as a new wording of an existing item that then cites it too."""
    action = _follow_up_action(request, action_id)
    items = checklists.items_of(action.target_checklist, request.user)
    add_form = FollowUpAddForm(initial={"text": action.description, "position": len(items) + 1})
    update_form = FollowUpUpdateForm(items=items)
    bound: forms.Form | None = None
    if request.method == "POST":
        if request.POST.get("do") == "update":
            bound = update_form = FollowUpUpdateForm(request.POST, items=items)
            done = _update_item_from(request, action, update_form)
        else:
            bound = add_form = FollowUpAddForm(request.POST)
            done = _add_item_from(request, action, add_form)
        if done:
            return redirect("curation:action_checklist", action.pk)
    return _follow_up_page(request, action, items, add_form, update_form, bound)


def _update_item_from(request: HttpRequest, action: Action, form: FollowUpUpdateForm) -> bool:
    """Give the chosen item the action's new wording and cite its lesson; False on a mistake."""
    if not form.is_valid():
        return False
    item = form.cleaned_data["item"]
    try:
        newly = checklists.update_item_from_action(
            action, item, user=request.user, text=form.cleaned_data["text"]
        )
    except ChecklistError as error:
        form.add_error(None, str(error))
        return False
    cites = "now cites" if newly else "already cited"
    messages.success(
        request,
        f"Item {item.number} of “{action.target_checklist.name}” was updated and {cites} "
        f"lesson #{action.lesson.pk}.",
    )
    return True


def _add_item_from(request: HttpRequest, action: Action, form: FollowUpAddForm) -> bool:
    """Add the action's change as a new item citing its lesson; False on a mistake."""
    if not form.is_valid():
        return False
    try:
        item = checklists.add_item_from_action(
            action,
            user=request.user,
            text=form.cleaned_data["text"],
            position=form.cleaned_data["position"],
        )
    except ChecklistError as error:
        form.add_error(None, str(error))
        return False
    messages.success(
        request,
        f"Item {item.order} was added to “{action.target_checklist.name}”, citing lesson "
        f"#{action.lesson.pk}.",
    )
    return True


def _follow_up_page(
    request: HttpRequest,
    action: Action,
    items: list[ChecklistItem],
    add_form: FollowUpAddForm,
    update_form: FollowUpUpdateForm,
    bound: forms.Form | None,
) -> HttpResponse:
    checklist, lesson = action.target_checklist, action.lesson
    for item in items:
        item.cites_lesson = any(source.pk == lesson.pk for source in item.visible_sources)
    return render(
        request,
        "lessons/checklists/action_checklist.html",
        {
            "action": action,
            "lesson": lesson,
            "checklist": checklist,
            "where": _where(checklist),
            "items": items,
            "citing": [item for item in items if item.cites_lesson],
            "add_form": add_form,
            "update_form": update_form,
            "selected": str(update_form["item"].value() or ""),
            "bound": bound if bound is not None and bound.errors else None,
        },
    )
