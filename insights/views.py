"""/insights/: the organisation's KPIs for the signed-in viewer (``insights.figures``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insights.chart import month_bars
from insights.figures import dashboard
from insights.filters import NO_FILTERS, InsightFilterForm
from insights.practice import action_list
from lessons.practice.filters import ActionFilterSet

# The recognition tables of the page: heading, ranking, and what the count is of.
RECOGNITION = (
    ("People who shared lessons", "contributors", "lesson"),
    ("Teams who shared lessons", "contributing_teams", "lesson"),
    ("People who applied lessons", "appliers", "application"),
    ("Teams who applied lessons", "applying_teams", "application"),
)


@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    form = InsightFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.warning(
            request, "Some filters could not be used and were left out: see the form below."
        )
    filters = form.filters() if form.is_bound else NO_FILTERS
    figures = dashboard(request.user, filters)
    return render(
        request,
        "insights/insights.html",
        {
            "form": form,
            "filters": filters,
            "filtered": bool(filters.search_params()),
            "all_lessons_url": filters.search_url(),
            "actions_urls": {
                state: filters.actions_url(state=state) for state in ("open", "overdue", "done")
            },
            "chart": month_bars(figures["per_month"], figures["per_month_highest"]),
            "recurring_total": sum(row["recurring"] for row in figures["recurring"]),
            "recognition_tables": [
                (title, figures["recognition"][key], unit) for title, key, unit in RECOGNITION
            ],
            **figures,
        },
    )


@require_GET
def insights_actions(request: HttpRequest) -> HttpResponse:
    """The actions behind the action figures of /insights/, within the same filters."""
    form = InsightFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else NO_FILTERS
    if form.is_bound and form.errors:
        messages.warning(request, "Some filters could not be used and were left out.")
    filterset = ActionFilterSet(request.GET)
    if filterset.errors:
        messages.warning(request, "Some choices could not be used and were left out.")
    state = filterset.form.cleaned_data.get("state")
    actions = filterset.filter_queryset(action_list(request.user, filters, state))
    page = Paginator(actions, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "insights/actions.html",
        {
            "page": page,
            "actions": page.object_list,
            "filterset": filterset,
            "form": form,
            "filters": filters,
            "insights_url": filters.page_url(),
        },
    )
