"""/api/actions/ and /api/applications/."""

from __future__ import annotations

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import policy
from config.api.base import form_errors, validated
from lessons.api.base import LessonIdFilterSet, LessonRowsViewSet
from lessons.api.serializers import (
    ActionSerializer,
    ActionWriteSerializer,
    ApplicationSerializer,
    ApplicationWriteSerializer,
    as_form_value,
)
from lessons.models import Action, Application
from lessons.practice.filters import ActionFilterSet
from lessons.practice.forms import ActionEditForm, ActionForm, ApplicationForm
from lessons.practice.services import (
    application_projects,
    create_action,
    record_application,
    update_action,
)


class ActionApiFilterSet(ActionFilterSet):
    """The parameters of the actions page (/insights/actions/: state, impact, effort), and
    ``lesson`` and ``status``."""

    lesson = filters.NumberFilter(field_name="lesson_id", min_value=1, max_value=2**31 - 1)
    status = filters.MultipleChoiceFilter(choices=Action.Status.choices)


def _prefixed(prefix: str, data: dict) -> dict:
    return {f"{prefix}-{name}": value for name, value in data.items()}


def _action_form_data(data: dict, action_row: Action | None, user) -> dict:
    """What the action form would receive from the page: current values, then those sent.

    ``owner`` (a username or e-mail address) goes where the page takes "someone else";
    null means nobody yet. Left out, a new action is the requester's, as on the page.
    """
    if action_row is not None:
        form_data = {
            name: as_form_value(value)
            for name, value in ActionForm.initial_from(action_row).items()
        }
    else:
        form_data = {"owner": str(user.pk), "impact": 3, "effort": 3}
    for name, value in data.items():
        if name == "owner":
            form_data["owner"] = ""
            form_data["owner_other"] = value or ""
        elif name != "lesson":
            form_data[name] = as_form_value(value)
    return _prefixed("action", form_data)


ACTION_FIELD_NAMES = {"owner_other": "owner"}


@extend_schema_view(
    list=extend_schema(summary="Follow-up actions on lessons you may see"),
    retrieve=extend_schema(summary="A follow-up action"),
)
class ActionViewSet(LessonRowsViewSet):
    """Follow-up actions: contributors add them to published lessons; the owner or a curator
    updates them (lessons.practice.services keeps ``completed_on`` right)."""

    serializer_class = ActionSerializer
    filterset_class = ActionApiFilterSet
    rows = Action.objects.select_related("owner", "target_checklist").order_by("due_on", "pk")

    @extend_schema(
        summary="Add a follow-up action to a lesson",
        request=ActionWriteSerializer,
        responses={201: ActionSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(ActionWriteSerializer, request.data)
        if "lesson" not in data:
            raise ValidationError({"lesson": ["This field is required."]})
        lesson = self.lesson_allowing(
            data["lesson"],
            policy.can_add_action,
            "Only contributors add actions, and only to published lessons.",
        )
        data.pop("status", None)
        form = ActionForm(
            _action_form_data(data, None, request.user), lesson=lesson, user=request.user
        )
        if not form.is_valid():
            raise form_errors(form, ACTION_FIELD_NAMES)
        created = create_action(lesson, **form.action_fields())
        return self.answer(created.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update an action (its owner or a curator)",
        request=ActionWriteSerializer,
        responses=ActionSerializer,
    )
    def update(self, request: Request, pk=None, partial: bool = False) -> Response:
        action_row = self.get_object()
        if not policy.can_update_action(request.user, action_row):
            raise PermissionDenied("Only the action's owner or a curator updates it.")
        data = validated(ActionWriteSerializer, request.data)
        lesson = action_row.lesson
        form = ActionEditForm(
            _action_form_data(data, action_row, request.user),
            lesson=lesson,
            user=request.user,
            action=action_row,
        )
        if not form.is_valid():
            raise form_errors(form, ACTION_FIELD_NAMES)
        update_action(action_row, **form.action_fields())
        return self.answer(action_row.pk)

    @extend_schema(
        summary="Update some fields of an action",
        request=ActionWriteSerializer,
        responses=ActionSerializer,
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        return self.update(request, pk, partial=True)


class ApplicationFilterSet(LessonIdFilterSet):
    project = filters.CharFilter(field_name="project__code", max_length=32)


@extend_schema_view(
    list=extend_schema(summary="Applications of lessons you may see in later projects"),
    retrieve=extend_schema(summary="An application"),
)
class ApplicationViewSet(LessonRowsViewSet):
    """Records that a later project applied a lesson. Contributors record them for their
    own projects (curators: any); as on the pages, a record is not edited afterwards."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilterSet
    rows = Application.objects.select_related("project", "applied_by").order_by(
        "-applied_on", "-pk"
    )

    @extend_schema(
        summary="Record that a project applied a lesson",
        request=ApplicationWriteSerializer,
        responses={201: ApplicationSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(ApplicationWriteSerializer, request.data)
        lesson = self.lesson_allowing(
            data["lesson"],
            policy.can_record_application,
            "Only contributors record applications, and only of published lessons.",
        )
        form_data = {
            "project": data["project"].pk,
            "applied_on": as_form_value(data.get("applied_on") or timezone.localdate()),
            "how": data["how"],
            "outcome": data.get("outcome", Application.Outcome.TOO_EARLY),
            "hours_saved": as_form_value(data.get("hours_saved")),
        }
        form = ApplicationForm(
            _prefixed("application", form_data),
            projects=application_projects(request.user),
        )
        if not form.is_valid():
            raise form_errors(form)
        created = record_application(lesson, applied_by=request.user, **form.cleaned_data)
        return self.answer(created.pk, status.HTTP_201_CREATED)
