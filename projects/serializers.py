"""How projects, their phases and team, and phase review sessions look in the REST API.

A project shows what its page shows: code, name, description, type, department, status,
outcome, manager, dates, phases and team (each member's name and role).
"""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import PersonSerializer
from config.api.base import absolute
from projects.models import Membership, Phase, PhaseReview, Project


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["id", "name", "order", "start_date", "end_date"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "display_name", "role"]
        read_only_fields = fields


class ProjectSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:project-detail", lookup_field="code")
    web_url = serializers.SerializerMethodField()
    project_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    project_type_name = serializers.CharField(source="project_type.name", read_only=True)
    department = serializers.IntegerField(source="department_id", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    manager = PersonSerializer(read_only=True, allow_null=True)
    phases = PhaseSerializer(many=True, read_only=True)
    members = MemberSerializer(source="team", many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "code",
            "url",
            "web_url",
            "name",
            "description",
            "project_type",
            "project_type_name",
            "department",
            "department_name",
            "status",
            "outcome",
            "manager",
            "start_date",
            "end_date",
            "phases",
            "members",
        ]
        read_only_fields = fields

    def get_web_url(self, project: Project) -> str:
        return absolute(self.context.get("request"), project.get_absolute_url())


class ReviewSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    phase = serializers.CharField(source="phase.name", read_only=True, allow_null=True)
    facilitator = PersonSerializer(read_only=True, allow_null=True)
    attendees = PersonSerializer(source="attendee_list", many=True, read_only=True)
    lessons = serializers.SerializerMethodField(
        help_text="Ids of the lessons captured in the session that you may see."
    )
    lesson_count = serializers.SerializerMethodField(
        help_text="How many lessons captured in the session you may see."
    )
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = PhaseReview
        fields = [
            "id",
            "web_url",
            "project",
            "phase",
            "held_on",
            "status",
            "facilitator",
            "attendees",
            "notes",
            "lessons",
            "lesson_count",
        ]
        read_only_fields = fields

    def get_lessons(self, review: PhaseReview) -> list[int]:
        return [lesson.pk for lesson in review.visible_lessons]

    def get_lesson_count(self, review: PhaseReview) -> int:
        return len(review.visible_lessons)

    def get_web_url(self, review: PhaseReview) -> str:
        path = f"/projects/{review.project.code}/reviews/{review.pk}/"
        return absolute(self.context.get("request"), path)
