"""View decorators that apply the access policy to whole pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts import policy


def curators_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.can_curate(request.user):
            raise PermissionDenied("Only curators and administrators curate lessons.")
        return view(request, *args, **kwargs)

    return wrapped
