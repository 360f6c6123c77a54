"""/api/categories/ and /api/tags/."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from taggit.models import Tag

from accounts import policy
from config.api.base import form_errors, validated
from config.api.pagination import Pagination
from lessons.api.serializers import (
    CategorySerializer,
    CategoryWriteSerializer,
    TagSerializer,
)
from lessons.curation.forms import CategoryForm
from lessons.models import Category, Lesson


@extend_schema_view(
    list=extend_schema(summary="Categories"),
    retrieve=extend_schema(summary="A category"),
)
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Categories, by slug. Curators add and edit them (the curation page's rules); they are
    deleted on the curation page only, once unused."""

    serializer_class = CategorySerializer
    pagination_class = Pagination
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,80}"
    queryset = Category.objects.order_by("name")

    def _save(self, request: Request, category: Category | None, code: int) -> Response:
        if not policy.can_curate(request.user):
            raise PermissionDenied("Only curators manage categories.")
        data = validated(CategoryWriteSerializer, request.data)
        current = {}
        if category is not None:
            current = {
                "name": category.name,
                "slug": category.slug,
                "description": category.description,
            }
        form = CategoryForm({**current, **data}, instance=category)
        if not form.is_valid():
            raise form_errors(form)
        return Response(CategorySerializer(form.save()).data, status=code)

    @extend_schema(
        summary="Add a category (curators)",
        request=CategoryWriteSerializer,
        responses={201: CategorySerializer},
    )
    def create(self, request: Request) -> Response:
        return self._save(request, None, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a category (curators)",
        request=CategoryWriteSerializer,
        responses=CategorySerializer,
    )
    def update(self, request: Request, slug=None, partial: bool = False) -> Response:
        return self._save(request, self.get_object(), status.HTTP_200_OK)

    @extend_schema(
        summary="Edit some fields of a category (curators)",
        request=CategoryWriteSerializer,
        responses=CategorySerializer,
    )
    def partial_update(self, request: Request, slug=None) -> Response:
        return self.update(request, slug, partial=True)


class TagFilterSet(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)


@extend_schema_view(
    list=extend_schema(
        summary="Tags of lessons you may see",
        description="Only tags carried by at least one lesson you may see, most used first, "
        "each with how many of those lessons carry it. q: part of the name.",
    ),
    retrieve=extend_schema(summary="A tag (404 unless a lesson you may see carries it)"),
)
class TagViewSet(viewsets.ReadOnlyModelViewSet):
    """Tags, counted over the lessons the user may see: a tag only secret lessons carry does
    not exist for anyone else."""

    serializer_class = TagSerializer
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = TagFilterSet
    lookup_field = "slug"
    lookup_value_regex = r"[^/]{1,100}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return Tag.objects.none()
        visible = Lesson.objects.visible_to(self.request.user).values("pk")
        return (
            Tag.objects.filter(
                taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Lesson),
                taggit_taggeditem_items__object_id__in=visible,
            )
            .annotate(lesson_count=Count("taggit_taggeditem_items"))
            .order_by("-lesson_count", "name", "pk")
        )
