"""``UserFilterSet``: the search and filters of the user administration list.

Invalid values are reported in ``filterset.errors`` and ignored, never a server error.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from accounts.roles import ADMINISTRATOR, ROLES

NO_ROLE = "none"
ACTIVE = "active"
DEACTIVATED = "deactivated"


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Search",
        max_length=100,
        help_text="Name, username, e-mail or department.",
    )
    role = django_filters.ChoiceFilter(
        method="filter_role",
        choices=[*((role, role) for role in ROLES), (NO_ROLE, "No role")],
        empty_label="Any role",
    )
    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[(ACTIVE, "Active"), (DEACTIVATED, "Deactivated")],
        empty_label="Active and deactivated",
    )

    class Meta:
        model = User
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        """Every word must match one of the fields ("rita reader" finds Rita Reader)."""
        for word in value.split():
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(username__icontains=word)
                | Q(email__icontains=word)
                | Q(department__name__icontains=word)
            )
        return queryset

    def filter_role(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        memberships = User.groups.through.objects.filter(user_id=OuterRef("pk"))
        if value == NO_ROLE:
            return queryset.filter(
                ~Exists(memberships.filter(group__name__in=ROLES)), is_superuser=False
            )
        held = Q(Exists(memberships.filter(group__name=value)))
        if value == ADMINISTRATOR:
            held |= Q(is_superuser=True)  # superusers count as Administrator
        return queryset.filter(held)

    def filter_status(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(is_active=value == ACTIVE)
