"""Fixtures of the import, export and backup tests."""

from __future__ import annotations

import pytest
from taggit.models import Tag

from tests.factories import PhaseFactory


@pytest.fixture(autouse=True)
def private_upload_folder(settings, tmp_path):
    """Uploads of these tests wait in the test's own folder, removed with it."""
    settings.HINDSIGHT_IMPORT_DIR = str(tmp_path)


@pytest.fixture
def setting(project_a):
    """Project A with a Planning phase; categories come from the data migration."""
    PhaseFactory(project=project_a, name="Planning", order=2)
    Tag.objects.create(name="supplier", slug="supplier")
    Tag.objects.create(name="onboarding", slug="onboarding")
    return project_a
