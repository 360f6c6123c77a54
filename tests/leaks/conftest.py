"""The leak suite's world, built once per run of tests/leaks/test_surfaces.py."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from tests.leaks.world import (
    World,
    build_world,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker) -> World:
    """The world, built once for this module inside a transaction rolled back at its end.

    This is Django's ``TestCase.setUpTestData``: each test runs in a savepoint within it
    (the ``db`` fixture), so what one test writes is gone before the next. Building the
    world for each test instead would cost more than all the surfaces together.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):  # as the tests will check
            world = build_world()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world, db) -> World:
    cache.clear()  # "did you mean" keeps a vocabulary of the lessons everyone sees
    yield built_world
    cache.clear()
