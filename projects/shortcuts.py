"""Shortcuts for views, in the manner of django.shortcuts: a project its user may manage."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from accounts import policy
from projects.models import Project


def managed_project(request: HttpRequest, code: str, what: str = "manages its team") -> Project:
    """The project with this code (404 if none), if the user may manage it (403 if not)."""
    project = get_object_or_404(Project, code=code)
    if not policy.can_manage_project(request.user, project):
        raise PermissionDenied(f"Only the project's manager or an administrator {what}.")
    return project
