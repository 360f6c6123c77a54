"""Helpers of the user administration tests: signing in as a person would, form data."""

from __future__ import annotations

from accounts.models import User
from accounts.roles import CONTRIBUTOR

PASSWORD = "correct-horse-battery"  # UserFactory's


NEW_PASSWORD = "Quiet-Harbour-Lantern-42"


def roles_of(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def sign_in(client, username: str, password: str) -> bool:
    """Sign in through the real sign-in page, as a person would."""
    client.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def new_user_data(**overrides) -> dict:
    data = {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Newcomer",
        "email": "nina@example.org",
        "department": "",
        "job_title": "Site engineer",
        "roles": [CONTRIBUTOR],
        "sign_in": "invite",
        "password1": "",
        "password2": "",
    }
    data.update(overrides)
    return data


def edit_data(user: User, **overrides) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "department": user.department_id or "",
        "job_title": user.job_title,
        "roles": sorted(roles_of(user)),
    }
    data.update(overrides)
    return data
