"""/insights/: the organisation's KPIs for the signed-in viewer (lessons/insights.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insights import figures as insights
from lessons.practice.filters import ActionFilterSet
from projects.models import Department, ProjectType


class InsightFilterForm(forms.Form):
    """The GET parameters ``from``, ``to``, ``department`` and ``project_type``."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="All departments"
    )
    project_type = forms.ModelChoiceField(
        queryset=ProjectType.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All project types",
        label="Project type",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two are added here rather than declared.
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields = {
            "from": forms.DateField(
                required=False, label="From", widget=date_input, help_text="Occurred on or after"
            ),
            "to": forms.DateField(
                required=False, label="To", widget=date_input, help_text="Occurred on or before"
            ),
            **self.fields,
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> insights.InsightFilters:
        """The valid choices; an invalid one counts as "any" (and is reported)."""
        cleaned = getattr(self, "cleaned_data", {})
        department = cleaned.get("department")
        project_type = cleaned.get("project_type")
        return insights.InsightFilters(
            start=cleaned.get("from"),
            end=cleaned.get("to"),
            department=department.pk if department else None,
            project_type=project_type.slug if project_type else None,
        )


# The lessons-per-month chart, in SVG user units (it scales to the page's width).
CHART_HEIGHT = 160
CHART_SLOT = 24  # one month: a bar and the gap beside it
CHART_BAR = 18
CHART_LABELS = 28  # room for month labels under the bars


def month_label(index: int, month, months: int) -> str:
    """Each January with its year; the first months of other quarters (or of every month,
    in a chart of a year or less) briefly; the first bar's year, so the chart is dated."""
    if month.month == 1:
        return month.strftime("%b %Y")
    if months <= 12 or month.month in (4, 7, 10):
        return month.strftime("%b %Y") if index == 0 else month.strftime("%b")
    return str(month.year) if index == 0 else ""


def month_bars(rows: list[dict], highest: int) -> dict:
    """Where each month's bar sits in the chart; every bar keeps its count and link."""
    bars = []
    for index, row in enumerate(rows):
        height = round(CHART_HEIGHT * row["count"] / highest) if highest else 0
        if row["count"] and height < 2:
            height = 2  # a month with lessons never looks empty
        month = row["month"]
        bars.append(
            {
                **row,
                "x": index * CHART_SLOT + (CHART_SLOT - CHART_BAR) // 2,
                "y": CHART_HEIGHT - height,
                "height": height,
                "label_x": index * CHART_SLOT + (CHART_SLOT - CHART_BAR) // 2,
                "label": month_label(index, month, len(rows)),
            }
        )
    return {
        "bars": bars,
        "width": max(len(rows) * CHART_SLOT, CHART_SLOT),
        "height": CHART_HEIGHT + CHART_LABELS,
        "plot_height": CHART_HEIGHT,
        "bar_width": CHART_BAR,
        "label_y": CHART_HEIGHT + 16,
    }


@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    form = InsightFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.warning(
            request, "Some filters could not be used and were left out: see the form below."
        )
    filters = form.filters() if form.is_bound else insights.NO_FILTERS
    figures = insights.dashboard(request.user, filters)
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
                ("People who shared lessons", figures["recognition"]["contributors"], "lesson"),
                (
                    "Teams who shared lessons",
                    figures["recognition"]["contributing_teams"],
                    "lesson",
                ),
                ("People who applied lessons", figures["recognition"]["appliers"], "application"),
                (
                    "Teams who applied lessons",
                    figures["recognition"]["applying_teams"],
                    "application",
                ),
            ],
            **figures,
        },
    )


@require_GET
def insights_actions(request: HttpRequest) -> HttpResponse:
    """The actions behind the action figures of /insights/, within the same filters."""
    form = InsightFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else insights.NO_FILTERS
    if form.is_bound and form.errors:
        messages.warning(request, "Some filters could not be used and were left out.")
    filterset = ActionFilterSet(request.GET)
    if filterset.errors:
        messages.warning(request, "Some choices could not be used and were left out.")
    state = filterset.form.cleaned_data.get("state")
    actions = filterset.filter_queryset(insights.action_list(request.user, filters, state))
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
