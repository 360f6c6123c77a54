"""The REST API of projects and phase review sessions (/api/projects/, /api/reviews/).

Read-only: projects are managed by administrators in the admin and on the project pages.
Projects are open to everyone signed in, as their pages are; a project's review sessions
only to its team, curators and administrators (``projects.services.can_view_review``),
404 for everyone else. Lessons of a session are listed and counted only through
``Lesson.objects.visible_to``.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import policy
from accounts.models import User
from config.api.base import ID_PATTERN
from config.api.pagination import Pagination
from lessons.models import Lesson
from projects.models import Membership, PhaseReview, Project
from projects.serializers import ProjectSerializer, ReviewSerializer
from projects.services import can_view_review


def reviews_visible_to(user: User) -> QuerySet[PhaseReview]:
    """The sessions this user may open: every one for curators and administrators, else
    those of the projects they belong to or manage (as ``can_view_review``)."""
    reviews = PhaseReview.objects.all()
    if not policy.can_curate(user):
        reviews = reviews.filter(project__in=Project.objects.with_member(user).values("pk"))
    lessons = Lesson.objects.visible_to(user).only("id").order_by("pk")
    return (
        reviews.select_related("project", "phase", "facilitator")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=User.objects.order_by("first_name", "last_name", "username"),
                to_attr="attendee_list",
            ),
            Prefetch("lessons", queryset=lessons, to_attr="visible_lessons"),
        )
        .order_by("-held_on", "-pk")
    )


class ProjectFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Project.Status.choices)


@extend_schema_view(
    list=extend_schema(summary="Projects"),
    retrieve=extend_schema(summary="A project, with its phases and team"),
)
class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Projects by code, with their phases and team. Read-only."""

    serializer_class = ProjectSerializer
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ProjectFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/]{1,32}"

    def get_queryset(self):
        team = Membership.objects.select_related("user").order_by(
            "role", "user__first_name", "user__last_name", "pk"
        )
        return (
            Project.objects.select_related("project_type", "department", "manager")
            .prefetch_related("phases", Prefetch("memberships", queryset=team, to_attr="team"))
            .order_by("-start_date", "code")
        )

    @extend_schema(
        summary="A project's review sessions (its team, curators and administrators)",
        responses=ReviewSerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=ReviewSerializer, filterset_class=None)
    def reviews(self, request: Request, code=None) -> Response:
        project = get_object_or_404(Project, code=code)
        if not can_view_review(request.user, project):
            raise Http404("No such project sessions.")
        reviews = reviews_visible_to(request.user).filter(project=project)
        page = self.paginate_queryset(reviews)
        serializer = ReviewSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(serializer.data)


class ReviewFilterSet(filters.FilterSet):
    project = filters.CharFilter(field_name="project__code", max_length=32)
    status = filters.ChoiceFilter(choices=PhaseReview.Status.choices)


@extend_schema_view(
    list=extend_schema(summary="Phase review sessions you may open"),
    retrieve=extend_schema(summary="A phase review session"),
)
class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Phase review sessions (lessons-learned meetings) of the projects one belongs to;
    curators and administrators see all. Read-only: sessions are run on their pages."""

    serializer_class = ReviewSerializer
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ReviewFilterSet
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return reviews_visible_to(self.request.user)
