"""Personas shared by the tests (see STYLE.md): each named for the rule it embodies."""

from __future__ import annotations

import pytest

from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR, READER
from tests.factories import MembershipFactory, ProjectFactory, UserFactory


@pytest.fixture
def project_a(db):
    return ProjectFactory(code="PRJ-A", name="Project A")


@pytest.fixture
def project_b(db):
    return ProjectFactory(code="PRJ-B", name="Project B")


@pytest.fixture
def reader(db):
    return UserFactory(username="rita", first_name="Rita", last_name="Reader", role=READER)


@pytest.fixture
def contributor(db, project_a):
    """Colin contributes to project A and is not a member of project B."""
    user = UserFactory(
        username="colin", first_name="Colin", last_name="Contributor", role=CONTRIBUTOR
    )
    MembershipFactory(project=project_a, user=user)
    return user


@pytest.fixture
def curator(db):
    return UserFactory(username="clara", first_name="Clara", last_name="Curator", role=CURATOR)


@pytest.fixture
def administrator(db):
    return UserFactory(
        username="adam", first_name="Adam", last_name="Administrator", role=ADMINISTRATOR
    )


@pytest.fixture
def deactivated(db, project_a):
    """Dave was a member of project A and has left: his account is deactivated."""
    user = UserFactory(username="dave", role=CONTRIBUTOR, is_active=False)
    MembershipFactory(project=project_a, user=user)
    return user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing is deliberately slow; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
