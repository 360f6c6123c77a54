"""What the viewer narrows the figures of /insights/ to: the form, and the filters it gives.

The filters are a period, a department and a project type. Each figure applies them to what
it counts (``InsightFilters.in_period`` and ``of_projects``), and links to the lists
behind it with the same narrowing (``search_url``, ``actions_url``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.urls import reverse

from lessons.search.filters import PeriodForm
from projects.models import Department, ProjectType


def _all_of(**lookups: Any) -> Q:
    """The lookups whose value is chosen; one left at "any" (``None``) is no condition."""
    return Q(**{lookup: value for lookup, value in lookups.items() if value})


@dataclass(frozen=True)
class InsightFilters:
    """What the viewer narrowed the figures to; ``None`` means "any"."""

    start: date | None = None
    end: date | None = None
    department: int | None = None  # Department id
    project_type: str | None = None  # ProjectType slug

    def in_period(self, field: str) -> Q:
        """``field`` (a date) within the period, both ends included."""
        return _all_of(**{f"{field}__gte": self.start, f"{field}__lte": self.end})

    def of_projects(self, prefix: str) -> Q:
        """The project at ``prefix`` (``"project__"``, or ``""`` for projects themselves) is
        of the chosen department and project type."""
        return _all_of(
            **{
                f"{prefix}department_id": self.department,
                f"{prefix}project_type__slug": self.project_type,
            }
        )

    def search_params(self) -> dict[str, str | list[str]]:
        """The same narrowing as /lessons/ search parameters."""
        params = {}
        if self.start:
            params["occurred_after"] = self.start.isoformat()
        if self.end:
            params["occurred_before"] = self.end.isoformat()
        if self.department:
            params["department"] = str(self.department)
        if self.project_type:
            params["project_type"] = self.project_type
        return params

    def search_url(self, **extra: Any) -> str:
        """A link to /lessons/ listing the lessons behind a figure.

        ``extra`` values (a string, or a list for a repeated parameter) override the filters;
        a ``(first, last)`` date pair narrows the period to its overlap with the chosen one.
        """
        params = self.search_params()
        period = extra.pop("period", None)
        if period:
            first, last = period
            if self.start and self.start > first:
                first = self.start
            if self.end and self.end < last:
                last = self.end
            params["occurred_after"], params["occurred_before"] = (
                first.isoformat(),
                last.isoformat(),
            )
        params.update(
            {key: value if isinstance(value, list) else str(value) for key, value in extra.items()}
        )
        query = urlencode(params, doseq=True)
        return reverse("lessons:list") + (f"?{query}" if query else "")

    def form_params(self) -> dict[str, str]:
        """These filters as the parameters of the /insights/ form."""
        return {
            name: str(value)
            for name, value in (
                ("from", self.start and self.start.isoformat()),
                ("to", self.end and self.end.isoformat()),
                ("department", self.department),
                ("project_type", self.project_type),
            )
            if value
        }

    def page_url(self) -> str:
        """/insights/ with these filters."""
        query = urlencode(self.form_params())
        return reverse("insights") + (f"?{query}" if query else "")

    def actions_url(self, **extra: Any) -> str:
        """A link to the list of the actions behind an action figure, within these filters
        (``extra``: ``state``, ``impact``, ``effort``)."""
        return reverse("insights_actions") + "?" + urlencode({**self.form_params(), **extra})


NO_FILTERS = InsightFilters()


class InsightFilterForm(PeriodForm):
    """The GET parameters ``from``, ``to``, ``department`` and ``project_type``."""

    period_fields = ("from", "to")
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

    def filters(self) -> InsightFilters:
        """The valid choices; an invalid one counts as "any" (and is reported)."""
        cleaned = getattr(self, "cleaned_data", {})
        department = cleaned.get("department")
        project_type = cleaned.get("project_type")
        return InsightFilters(
            start=cleaned.get("from"),
            end=cleaned.get("to"),
            department=department.pk if department else None,
            project_type=project_type.slug if project_type else None,
        )
