"""The REST API of lessons (/api/lessons/): search, read, record, edit and submit them; the
pages' rules, in JSON.

- Every lesson, and everything derived from one, comes through
  ``Lesson.objects.visible_to(user)``; an object the user may not see answers 404.
- The lesson list is the search page: the same ``LessonFilterSet``, the same lessons in the
  same order (``lessons.search.views.lesson_list``), a page at a time. Invalid parameters
  answer 400 with the FilterSet's errors per parameter (the page ignores them with a message).
- Recording, editing and submitting take the capture pages' path (``lessons.capture.services``,
  with the capture form's rules): a refusal answers 403, invalid input 400 with the form's
  errors, a stale ``version`` 409 with what changed.
- An anonymous lesson never names its submitter (serializers).
"""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters
from django_filters.utils import translate_validation
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import is_curator
from config.api.base import ID_PATTERN, form_errors, validated
from config.api.pagination import Pagination
from lessons import search, workflow
from lessons.api.base import LESSON_ID, lesson_or_404, visible_lesson
from lessons.api.serializers import (
    ConflictSerializer,
    FacetsSerializer,
    LessonDetailSerializer,
    LessonSerializer,
    LessonWriteSerializer,
    SubmitSerializer,
    TransitionResultSerializer,
    as_form_value,
)
from lessons.api.transitions import LessonTransitionsMixin
from lessons.capture.forms import LESSON_DETAIL_FIELDS, LESSON_QUICK_FIELDS
from lessons.capture.services import (
    InvalidLesson,
    MayNotEdit,
    MayNotRecord,
    MayNotSubmit,
    Refused,
    StaleEdit,
    UnknownEarlierLesson,
    check_can_edit,
    check_can_record,
    check_can_submit,
    check_version,
    create_lesson,
    is_visible_to,
    save_edit,
    submit_lesson,
)
from lessons.models import Lesson, LessonEditConflict
from lessons.search.facets import facet_counts
from lessons.search.filters import LessonFilterSet, Sort
from projects.services import can_view_review

# -- lessons ----------------------------------------------------------------------------------

# How the schema describes the search parameters it cannot type from the FilterSet alone
# (choices among rows). The FilterSet is the page's too, so they are annotated here.
SEARCH_PARAMETERS = {
    "category": ("string", "A category's slug. Repeat for any of several."),
    "tag": ("string", "A tag's slug. Repeat for any of several."),
    "tag_all": ("string", "A tag's slug. Repeat: lessons carrying every one of them."),
    "project": ("string", "A project's code. Repeat for any of several."),
    "project_type": ("string", "A project type's slug. Repeat for any of several."),
    "department": ("integer", "A department's id. Repeat for any of several."),
}
for _name, (_type, _text) in SEARCH_PARAMETERS.items():
    extend_schema_field({"type": _type, "description": _text})(LessonFilterSet.base_filters[_name])

STATUS_HINT = (
    "A lesson's status changes through its actions: POST /api/lessons/{id}/submit/, approve/, "
    "reject/, send-back/, archive/ or unarchive/."
)


def _tag_string(names: list[str]) -> str:
    """Tag names as the capture form's tag field reads them (each quoted: commas survive)."""
    return ", ".join(f'"{name}"' for name in names)


def _current_form_data(lesson: Lesson) -> dict:
    """The lesson's values as the capture form would post them back unchanged."""
    data = {
        name: as_form_value(getattr(lesson, Lesson._meta.get_field(name).attname))
        for name in (*LESSON_QUICK_FIELDS, *LESSON_DETAIL_FIELDS)
        if name != "tags"
    }
    data["tags"] = _tag_string([tag.name for tag in lesson.tags.all()])
    return data


def _lesson_form_data(data: dict, lesson: Lesson | None) -> dict:
    """What the capture form would receive from the page: the lesson's current values (a
    new lesson: none), with the fields sent replacing them."""
    form_data = _current_form_data(lesson) if lesson is not None else {}
    for name, value in data.items():
        if name in ("version", "phase"):
            continue
        form_data[name] = _tag_string(value) if name == "tags" else as_form_value(value)
    if "phase" in data:
        form_data["phase"] = _phase_id(data, lesson)
    return form_data


def _phase_id(data: dict, lesson: Lesson | None):
    """The phase named in ``data``, looked up among its project's phases."""
    name = (data.get("phase") or "").strip()
    if not name:
        return ""
    project = data.get("project") or (lesson.project if lesson is not None else None)
    if project is None:
        return ""  # the form reports the missing project
    phase = project.phases.filter(name=name).first()
    if phase is None:
        raise ValidationError(
            {"phase": [f"{project.code} has no phase named “{name}”: use one of its phases."]}
        )
    return phase.pk


def _conflict(stale: StaleEdit) -> Response:
    """409: someone saved the lesson after the version the client loaded."""
    conflict, loaded = stale.conflict, stale.loaded_version
    changes = None
    if conflict.changes is not None:
        changes = [
            {"field": change.label, "before": change.before, "after": change.after}
            for change in conflict.changes
        ]
    loaded_text = f"version {loaded}" if loaded is not None else "your copy"
    return Response(
        {
            "detail": f"This lesson was changed by someone else since {loaded_text} was loaded "
            f"(it is now version {conflict.current_version}). Nothing was saved: fetch the "
            "lesson, apply your changes to it and send them again with its current version.",
            "current_version": conflict.current_version,
            "saved_by": conflict.saved_by,
            "saved_at": conflict.saved_at,
            "changes": changes,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _raw_version(data) -> int | None:
    """The version a request body names, read before the body's shape is checked."""
    raw = data.get("version") if isinstance(data, dict) else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return None


# What the API says to each refusal (403).
REFUSALS = {
    MayNotRecord: "Only contributors record lessons: ask an administrator to make you a "
    "Contributor.",
    MayNotEdit: "Its author edits a lesson while it is a draft; once it is submitted, only "
    "curators change it.",
    MayNotSubmit: "Only its author (or a curator) submits a draft.",
}


def _forbidden(refusal: Refused) -> PermissionDenied:
    return PermissionDenied(REFUSALS[type(refusal)])


def _edit_data(request: Request, lesson: Lesson) -> tuple[dict, int]:
    """The body of an edit, checked for shape, and the version it was made from (required:
    nobody's changes are overwritten unseen); the status changes only through actions."""
    data = validated(LessonWriteSerializer, request.data)
    loaded = data.get("version")
    if loaded is None:
        raise ValidationError(
            {"version": ["Send the version you loaded, so nobody's changes are overwritten."]}
        )
    wanted_status = request.data.get("status")
    if wanted_status is not None and wanted_status != lesson.status:
        raise ValidationError({"status": [STATUS_HINT]})
    return data, loaded


@extend_schema_view(
    list=extend_schema(
        summary="Search lessons",
        description="The lessons the search page lists for the same parameters, in the same "
        "order (relevance with q; sort=newest|useful|viewed). Without status: published "
        "lessons only. Invalid parameters answer 400 with the errors per parameter.",
    ),
    retrieve=extend_schema(summary="A lesson", responses=LessonDetailSerializer),
)
class LessonViewSet(LessonTransitionsMixin, viewsets.GenericViewSet):
    """Lessons: search, read, record, edit, and move through their workflow. No deletion:
    lessons are archived (POST .../archive/), never deleted through the API."""

    serializer_class = LessonSerializer
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = LessonFilterSet
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return Lesson.objects.visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return LessonWriteSerializer
        if self.action == "list":
            return LessonSerializer
        return LessonDetailSerializer

    # -- reading ------------------------------------------------------------------------

    def _search(self, base) -> LessonFilterSet:
        filterset = filters.DjangoFilterBackend().get_filterset(self.request, base, self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset

    def list(self, request: Request) -> Response:
        # As lessons.search.views.lesson_list: the same base, filters, total, ranking and pages.
        filterset = self._search(Lesson.objects.searchable_by(request.user))
        results = filterset.qs
        total = results.count()
        text = filterset.text
        if text and filterset.sort_order == Sort.RELEVANCE:
            results = search.RankedResults(results, text, total)
        else:
            results = results.for_cards()
        lessons = self.paginator.paginate_queryset(results, request, self, total=total)
        snippets = search.snippets([lesson.pk for lesson in lessons], text) if text else {}
        submitters = User.objects.in_bulk(
            {lesson.submitted_by_id for lesson in lessons if lesson.shows_submitter}
        )
        serializer = LessonSerializer(
            lessons,
            many=True,
            context={"request": request, "snippets": snippets, "submitters": submitters},
        )
        return self.paginator.get_paginated_response(serializer.data)

    @extend_schema(
        summary="Facet counts of a search",
        description="Each facet's options with counts, for the same parameters as the list: "
        "the count beside an option is computed with every other parameter applied "
        "(disjunctive), over the lessons you may see. The status facet is for curators.",
        filters=True,
        responses=FacetsSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def facets(self, request: Request) -> Response:
        base = Lesson.objects.searchable_by(request.user)
        filterset = self._search(base)
        facets, total = facet_counts(filterset, base, is_curator=is_curator(request.user))
        return Response(
            {
                "total": total,
                "facets": [
                    {
                        "name": facet.name,
                        "label": facet.label,
                        "options": [
                            {
                                "value": option.value,
                                "label": option.label,
                                "count": option.count,
                                "selected": option.selected,
                            }
                            for option in facet.options
                        ],
                    }
                    for facet in facets
                ],
            }
        )

    def _detail_lesson(self, pk) -> Lesson:
        return visible_lesson(
            self.request,
            pk,
            Lesson.objects.select_related(
                "project__project_type",
                "project__department",
                "phase",
                "category",
                "submitted_by",
            ).with_tag_list(),
        )

    def _detail(self, lesson: Lesson) -> dict:
        """The whole lesson, its links to other lessons limited to those the user sees."""
        user = self.request.user
        links = [pk for pk in (lesson.recurrence_of_id, lesson.merged_into_id) if pk]
        rows = list(
            Lesson.objects.visible_to(user)
            .filter(Q(pk__in=links) | Q(recurrence_of=lesson.pk))
            .order_by("pk")
            .values_list("pk", "recurrence_of_id")
        )
        context = {
            "request": self.request,
            "visible_links": {pk for pk, _ in rows},
            "recurrences": [pk for pk, earlier in rows if earlier == lesson.pk],
            "shows_review": lesson.review_id is not None and can_view_review(user, lesson.project),
            # As the page: the curators' word is for curators and the lesson's author.
            "shows_curation_note": is_curator(user) or lesson.submitted_by_id == user.pk,
        }
        return LessonDetailSerializer(lesson, context=context).data

    def retrieve(self, request: Request, pk=None) -> Response:
        # Reading through the API does not count as a view (view_count counts people reading).
        return Response(self._detail(self._detail_lesson(pk)))

    # -- writing ------------------------------------------------------------------------

    @extend_schema(
        summary="Record a lesson (as a draft)",
        description="Creates a draft of yours, with the capture page's rules: title, "
        "recommendation, project (one of yours) and kind are required. Submit it with "
        "POST /api/lessons/{id}/submit/.",
        request=LessonWriteSerializer,
        responses={
            201: LessonDetailSerializer,
            403: OpenApiResponse(description="Not a contributor."),
        },
    )
    def create(self, request: Request) -> Response:
        try:
            check_can_record(request.user)
            data = validated(LessonWriteSerializer, request.data)
            lesson = create_lesson(_lesson_form_data(data, None), by=request.user)
        except MayNotRecord as refusal:
            raise _forbidden(refusal) from None
        except InvalidLesson as invalid:
            raise form_errors(invalid.form) from None
        body = self._detail(self._detail_lesson(lesson.pk))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})

    @extend_schema(
        summary="Edit a lesson",
        description="The author edits their draft; curators any lesson. Send `version` as "
        "loaded: if someone saved the lesson since, nothing is saved and the answer is 409 "
        "with what changed. Fields left out keep their value (PUT and PATCH alike). The "
        "status changes only through the transition actions.",
        request=LessonWriteSerializer,
        responses={
            200: LessonDetailSerializer,
            409: ConflictSerializer,
            403: OpenApiResponse(description="Not yours to edit."),
        },
    )
    def update(self, request: Request, pk=None, partial: bool = False) -> Response:
        lesson = visible_lesson(
            request, pk, Lesson.objects.select_related("project", "phase", "category")
        )
        user = request.user
        try:
            check_can_edit(user, lesson, _raw_version(request.data))
            data, loaded = _edit_data(request, lesson)
            check_version(lesson, loaded, user)
            save_edit(lesson, _lesson_form_data(data, lesson), by=user, loaded_version=loaded)
        except StaleEdit as stale:
            return _conflict(stale)
        except MayNotEdit as refusal:
            raise _forbidden(refusal) from None
        except InvalidLesson as invalid:
            raise form_errors(invalid.form) from None
        return Response(self._detail(self._detail_lesson(lesson.pk)))

    @extend_schema(
        summary="Edit some fields of a lesson",
        request=LessonWriteSerializer,
        responses={200: LessonDetailSerializer, 409: ConflictSerializer},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        return self.update(request, pk, partial=True)

    # -- the workflow (lessons.workflow is the only place a status changes) --------------

    def _after_transition(self, lesson: Lesson) -> Response:
        if is_visible_to(self.request.user, lesson):
            return Response(self._detail(self._detail_lesson(lesson.pk)))
        return Response(
            {
                "id": lesson.pk,
                "status": lesson.status,
                "detail": "Submitted for review, anonymously: Hindsight no longer knows it was "
                "yours, so you will see it again once a curator publishes it.",
            }
        )

    @extend_schema(
        summary="Submit a draft for review",
        description="The author (or a curator) sends a draft to the curators, optionally "
        "naming an earlier lesson it repeats. 409 when it is not a draft. The answer is the "
        "lesson, or, for an anonymous lesson its author no longer sees, only its id, status "
        "and a message.",
        request=SubmitSerializer,
        responses=PolymorphicProxySerializer(
            component_name="SubmittedLesson",
            serializers=[LessonDetailSerializer, TransitionResultSerializer],
            resource_type_field_name=None,
        ),
        parameters=[LESSON_ID],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        lesson = lesson_or_404(request, pk)
        try:
            check_can_submit(request.user, lesson)
            data = validated(SubmitSerializer, request.data)
            submitted = submit_lesson(
                lesson, by=request.user, recurrence_of=data.get("recurrence_of")
            )
        except MayNotSubmit as refusal:
            raise _forbidden(refusal) from None
        except UnknownEarlierLesson:
            raise ValidationError(
                {"recurrence_of": ["No such lesson: name one you can see."]}
            ) from None
        except LessonEditConflict:
            return Response(
                {"detail": "Someone else saved this lesson a moment ago: check it, then submit."},
                status=status.HTTP_409_CONFLICT,
            )
        except workflow.TransitionError as error:  # not a draft, among others
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return self._after_transition(submitted)
