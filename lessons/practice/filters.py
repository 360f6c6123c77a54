"""``ActionFilterSet``: the action list's filters, for /insights/actions/ and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from lessons.models import Action


class ActionState:
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    CHOICES = [(OPEN, "Open"), (OVERDUE, "Overdue"), (DONE, "Done")]


class ActionFilterSet(django_filters.FilterSet):
    """Follow-up actions by state (open, overdue or done), impact and effort: the cells and
    figures of /insights/ link to the actions behind them through these parameters."""

    state = django_filters.ChoiceFilter(
        choices=ActionState.CHOICES, method="filter_state", empty_label="Any state", label="State"
    )
    impact = django_filters.ChoiceFilter(
        choices=[(n, str(n)) for n in range(1, 6)], empty_label="Any impact"
    )
    effort = django_filters.ChoiceFilter(
        choices=[(n, str(n)) for n in range(1, 6)], empty_label="Any effort"
    )

    class Meta:
        model = Action
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(QueryDict() if data is None else data, *args, **kwargs)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Every valid choice applies even when another is invalid (and reported)."""
        self.form.is_valid()
        for name, value in self.form.cleaned_data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        open_now = Q(status__in=(Action.Status.OPEN, Action.Status.IN_PROGRESS))
        if value == ActionState.OPEN:
            return queryset.filter(open_now)
        if value == ActionState.OVERDUE:
            return queryset.filter(open_now, due_on__lt=timezone.localdate())
        return queryset.filter(status=Action.Status.DONE)
