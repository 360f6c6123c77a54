from __future__ import annotations

from django.http import HttpRequest

from accounts import roles as role_checks


def roles(request: HttpRequest) -> dict[str, bool]:
    """Expose the signed-in user's roles to templates (navigation, buttons)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "is_curator": role_checks.is_curator(user),
        "is_administrator": role_checks.is_administrator(user),
        "is_contributor": role_checks.is_contributor(user),
    }
