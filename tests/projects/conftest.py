"""Fixtures of the project tests. Pat manages project A; Colin contributes to it (the shared
``contributor``); Maya is another contributor on the team; Otto contributes elsewhere."""

from __future__ import annotations

import pytest

from accounts.roles import CONTRIBUTOR
from tests.factories import MembershipFactory, PhaseFactory, PhaseReviewFactory, UserFactory


@pytest.fixture
def manager(project_a):
    user = UserFactory(username="pm", first_name="Pat", last_name="Manager", role=CONTRIBUTOR)
    MembershipFactory(project=project_a, user=user, role="manager")
    return user


@pytest.fixture
def colleague(project_a):
    user = UserFactory(username="maya", first_name="Maya", last_name="Member", role=CONTRIBUTOR)
    MembershipFactory(project=project_a, user=user)
    return user


@pytest.fixture
def outsider(db):
    """Otto contributes to other projects, not to project A."""
    return UserFactory(username="otto", first_name="Otto", last_name="Outside", role=CONTRIBUTOR)


@pytest.fixture
def planning(project_a):
    return PhaseFactory(project=project_a, name="Planning", order=2)


@pytest.fixture
def session(project_a, planning, manager):
    return PhaseReviewFactory(project=project_a, phase=planning, facilitator=manager)
