"""People for the user administration tests."""

from __future__ import annotations

import pytest

from accounts.roles import ADMINISTRATOR
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def second_administrator(db):
    return UserFactory(username="ada", first_name="Ada", last_name="Second", role=ADMINISTRATOR)


@pytest.fixture
def people(db, reader, contributor, curator, administrator, deactivated):
    reader.department = DepartmentFactory(name="Procurement")
    reader.save()
    deactivated.first_name, deactivated.last_name = "Dave", "Departed"
    deactivated.save()
    superuser = UserFactory(username="root", first_name="Sue", last_name="Super")
    superuser.is_superuser = True
    superuser.save()
    return {"superuser": superuser}
