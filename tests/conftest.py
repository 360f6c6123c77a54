"""Personas shared by the tests (see STYLE.md): each named for the rule it embodies."""

from __future__ import annotations

import os
import shutil

import pytest

from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR, READER
from tests.factories import MembershipFactory, ProjectFactory, ProjectTypeFactory, UserFactory


@pytest.fixture
def project_a(db):
    return ProjectFactory(code="PRJ-A", name="Project A")


@pytest.fixture
def project_b(db):
    return ProjectFactory(code="PRJ-B", name="Project B")


@pytest.fixture
def erp(db):
    """A project type shared by the projects whose lessons a kick-off briefing should find."""
    return ProjectTypeFactory(name="ERP rollout", slug="erp")


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


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: API rate-limit counts (keyed by user id) and
    the search's vocabulary for suggestions live there, and outlive a test's database
    transaction (SQLite even reuses the ids)."""
    from django.core.cache import cache

    cache.clear()


# -- browser tests --------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, django_db_setup):
    """Drive the system Chromium: Playwright's own browser download does not work here.

    Depends on ``django_db_setup`` so the test database outlives Playwright's event loop
    and is torn down after it.
    """
    if not os.path.exists(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM}: install the 'chromium' package"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="module")
def allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop; the tests' own ORM calls are still sync.

    Module-scoped so it is in place before the database fixtures of each test run.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
