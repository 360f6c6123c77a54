"""The organisation that ``seed_demo`` builds: people, departments, project types, projects.

The data itself is in ``demo/content/organisation.json``; this module gives it types.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from accounts.roles import CONTRIBUTOR, ROLES
from demo.content import read


class Person(NamedTuple):
    """A demo user: the four sign-in accounts, or one of the staff who run the projects."""

    username: str
    first_name: str
    last_name: str
    department: str
    job_title: str
    role: str = CONTRIBUTOR


class DemoProject(NamedTuple):
    code: str
    name: str
    project_type: str  # a slug of PROJECT_TYPES
    department: str
    start_date: dt.date
    months: int
    status: str
    outcome: str | None
    manager: str  # a username of STAFF
    description: str


def demo_password(username: str) -> str:
    """The password of a demo sign-in account (printed by ``seed_demo``)."""
    return f"{username}-demo"


def _people(rows: list[dict]) -> list[Person]:
    people = [Person(**row) for row in rows]
    unknown = {person.role for person in people} - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles in demo/content/organisation.json: {sorted(unknown)}")
    return people


def _projects(rows: list[dict]) -> list[DemoProject]:
    return [
        DemoProject(**{**row, "start_date": dt.date.fromisoformat(row["start_date"])})
        for row in rows
    ]


_ORGANISATION = read("organisation.json")

DEPARTMENTS: list[str] = _ORGANISATION["departments"]
PROJECT_TYPES: dict[str, str] = _ORGANISATION["project_types"]  # slug: name
# The sign-in accounts, one per role.
DEMO_USERS: list[Person] = _people(_ORGANISATION["demo_users"])
# People without a password who manage and staff the projects; all of them contributors.
STAFF: list[Person] = _people(_ORGANISATION["staff"])
PROJECTS: list[DemoProject] = _projects(_ORGANISATION["projects"])
# Projects the demo contributor belongs to (and can see project-only lessons of).
CONTRIBUTOR_PROJECTS: list[str] = _ORGANISATION["contributor_projects"]
