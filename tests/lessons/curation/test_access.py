"""Who may curate: curators and administrators everywhere on /curation/; readers and
contributors are refused everywhere and change nothing; signed-out visitors sign in.
"""

from __future__ import annotations

import pytest
from taggit.models import Tag

from lessons.models import Category, Lesson
from tests.factories import CategoryFactory, LessonFactory
from tests.lessons.curation.conftest import submitted

# -- who may curate --------------------------------------------------------------------------------


@pytest.fixture
def everything(db, contributor):
    """One of each thing the curation pages act on."""
    return {
        "lesson": submitted("Waiting lesson", submitted_by=contributor, tags=["cutover"]),
        "published": LessonFactory(title="Published lesson"),
        "tag": Tag.objects.get(name="cutover"),
        "category": CategoryFactory(name="Spare", slug="spare"),
    }


def curation_urls(things: dict) -> list[tuple[str, str, dict]]:
    lesson, published = things["lesson"].pk, things["published"].pk
    tag, category = things["tag"].pk, things["category"].pk
    return [
        ("get", "/curation/", {}),
        ("get", "/curation/due/", {}),
        ("get", "/curation/duplicates/", {}),
        ("get", "/curation/archived/", {}),
        ("get", f"/curation/lessons/{lesson}/", {}),
        ("post", f"/curation/lessons/{lesson}/approve/", {}),
        ("post", f"/curation/lessons/{lesson}/reject/", {"reject-reason": "No"}),
        ("post", f"/curation/lessons/{lesson}/send-back/", {"send_back-comment": "No"}),
        ("post", f"/curation/lessons/{lesson}/merge/", {"merge-into": published}),
        ("post", f"/curation/lessons/{published}/archive/", {}),
        ("post", f"/curation/lessons/{published}/still-valid/", {}),
        ("post", f"/curation/lessons/{published}/unarchive/", {}),
        ("get", "/curation/tags/", {}),
        ("get", f"/curation/tags/{tag}/", {}),
        ("post", f"/curation/tags/{tag}/rename/", {"rename-name": "renamed"}),
        ("post", f"/curation/tags/{tag}/merge/", {"merge-into": "cutover"}),
        ("post", f"/curation/tags/{tag}/delete/", {}),
        ("get", "/curation/categories/", {}),
        ("post", "/curation/categories/", {"add-name": "New one"}),
        ("get", f"/curation/categories/{category}/", {}),
        ("post", f"/curation/categories/{category}/", {"name": "Renamed"}),
        ("post", f"/curation/categories/{category}/delete/", {}),
    ]


@pytest.mark.parametrize("persona", ["reader", "contributor"])
def test_everyone_but_curators_is_refused_everywhere_and_changes_nothing(
    client, db, everything, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    before = (
        list(Lesson.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Tag.objects.order_by("pk").values_list("pk", "name")),
        list(Category.objects.order_by("pk").values_list("pk", "name")),
    )
    for method, url, data in curation_urls(everything):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
        assert "Waiting lesson" not in response.content.decode()
    after = (
        list(Lesson.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Tag.objects.order_by("pk").values_list("pk", "name")),
        list(Category.objects.order_by("pk").values_list("pk", "name")),
    )
    assert after == before


def test_signed_out_visitors_are_sent_to_sign_in(client, everything):
    for method, url, data in curation_urls(everything):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_administrators_curate_too(client, administrator, everything):
    client.force_login(administrator)
    for method, url, _ in curation_urls(everything):
        if method == "get":
            assert client.get(url).status_code == 200, url
