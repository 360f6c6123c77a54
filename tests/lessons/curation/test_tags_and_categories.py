"""Keeping tags and categories on the curation pages: list, rename, merge, delete."""

from __future__ import annotations

from taggit.models import Tag, TaggedItem

from lessons.models import Category
from tests.factories import CategoryFactory, LessonFactory
from tests.lessons.curation.conftest import Status, message_texts, titles

# -- tags ------------------------------------------------------------------------------------------


def test_tags_are_listed_with_usage_and_can_be_searched(curating):
    LessonFactory(tags=["cutover", "go-live"])
    LessonFactory(tags=["cutover"])
    Tag.objects.create(name="unused-tag", slug="unused-tag")
    response = curating.get("/curation/tags/")
    assert [(tag.name, tag.lesson_uses) for tag in response.context["tags"]] == [
        ("cutover", 2),
        ("go-live", 1),
        ("unused-tag", 0),
    ]
    found = curating.get("/curation/tags/", {"q": "live"})
    assert [tag.name for tag in found.context["tags"]] == ["go-live"]
    unused = curating.get("/curation/tags/", {"unused": "1"})
    assert [tag.name for tag in unused.context["tags"]] == ["unused-tag"]


def test_renaming_a_tag_makes_its_lessons_found_by_the_new_name(curating):
    lesson = LessonFactory(title="Rehearse the cutover", tags=["golive"])
    tag = Tag.objects.get(name="golive")

    response = curating.post(f"/curation/tags/{tag.pk}/rename/", {"rename-name": "hypercare"})

    assert message_texts(response) == [
        "The tag “golive” is now “hypercare” on every lesson that had it."
    ]
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("hypercare", "hypercare")
    assert titles(curating.get("/lessons/", {"q": "hypercare"})) == [lesson.title]
    assert titles(curating.get("/lessons/", {"q": "golive"})) == []
    assert titles(curating.get("/lessons/", {"tag": "hypercare"})) == [lesson.title]


def test_tag_changes_are_recorded_in_each_lessons_history_without_naming_anonymous_authors(
    curating, curator, contributor
):
    named = LessonFactory(title="Named lesson", tags=["golive"])
    draft = LessonFactory(
        tags=["golive"], submitted_by=contributor, is_anonymous=True, status=Status.DRAFT
    )
    version = named.version
    tag = Tag.objects.get(name="golive")

    curating.post(f"/curation/tags/{tag.pk}/rename/", {"rename-name": "hypercare"})

    latest = named.history.first()
    assert latest.history_user == curator
    assert latest.history_change_reason == "Tag “golive” renamed to “hypercare”"
    assert draft.history.first().history_change_reason == "Tag “golive” renamed to “hypercare”"
    assert not draft.history.exclude(submitted_by=None).exists()
    named.refresh_from_db()
    assert named.version == version  # nobody's open edit is refused over a tag


def test_renaming_a_tag_to_an_existing_name_suggests_a_merge(curating):
    LessonFactory(tags=["golive", "go-live"])
    tag = Tag.objects.get(name="golive")
    response = curating.post(f"/curation/tags/{tag.pk}/rename/", {"rename-name": "Go-Live"})
    assert response.status_code == 200
    assert response.context["rename_form"].errors["name"] == [
        "There is already a tag “go-live”: merge this tag into it instead."
    ]
    assert Tag.objects.get(pk=tag.pk).name == "golive"


def test_merging_tags_moves_every_lesson_without_doubles(curating):
    both = LessonFactory(title="Tagged with both", tags=["golive", "go-live"])
    only_old = LessonFactory(title="Tagged with the old tag only", tags=["golive"])
    only_new = LessonFactory(title="Tagged go-live only", tags=["go-live"])
    old, new = Tag.objects.get(name="golive"), Tag.objects.get(name="go-live")

    response = curating.post(f"/curation/tags/{old.pk}/merge/", {"merge-into": "GO-LIVE"})

    assert response["Location"] == f"/curation/tags/{new.pk}/"
    assert message_texts(response) == [
        "The tag “golive” was merged into “go-live”: every lesson that had it is now tagged "
        "“go-live”."
    ]
    assert not Tag.objects.filter(pk=old.pk).exists()
    assert sorted(TaggedItem.objects.filter(tag=new).values_list("object_id", flat=True)) == sorted(
        [both.pk, only_old.pk, only_new.pk]
    )
    assert TaggedItem.objects.filter(object_id=both.pk).count() == 1
    assert only_old.history.first().history_change_reason == "Tag “golive” merged into “go-live”"
    found = curating.get("/lessons/", {"q": "go-live"})
    assert set(titles(found)) == {both.title, only_old.title, only_new.title}
    # "golive" is "go-live" written joined, so it finds them too (issue 13).
    found = curating.get("/lessons/", {"q": "golive"})
    assert set(titles(found)) == {both.title, only_old.title, only_new.title}


def test_merging_a_tag_into_itself_or_an_unknown_tag_is_refused(curating):
    LessonFactory(tags=["golive"])
    tag = Tag.objects.get(name="golive")
    for into, error in [("golive", "cannot be merged into itself"), ("nope", "no tag “nope”")]:
        response = curating.post(f"/curation/tags/{tag.pk}/merge/", {"merge-into": into})
        assert response.status_code == 200
        assert error in response.context["merge_form"].errors["into"][0]
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_only_an_unused_tag_can_be_deleted(curating):
    LessonFactory(tags=["cutover"])
    used = Tag.objects.get(name="cutover")
    unused = Tag.objects.create(name="orphan", slug="orphan")

    refused = curating.post(f"/curation/tags/{used.pk}/delete/")
    assert refused["Location"] == f"/curation/tags/{used.pk}/"
    assert "still used 1 time" in message_texts(refused)[0]
    assert Tag.objects.filter(pk=used.pk).exists()

    deleted = curating.post(f"/curation/tags/{unused.pk}/delete/")
    assert deleted["Location"] == "/curation/tags/"
    assert message_texts(deleted)[1:] == ["The unused tag “orphan” was deleted."]
    assert not Tag.objects.filter(pk=unused.pk).exists()


# -- categories ------------------------------------------------------------------------------------


def test_categories_are_listed_with_usage(curating):
    LessonFactory()  # Technical
    response = curating.get("/curation/categories/")
    uses = {category.name: category.uses for category in response.context["categories"]}
    assert uses["Technical"] == 1 and uses["Financial"] == 0


def test_adding_a_category_makes_its_slug_from_the_name(curating):
    response = curating.post(
        "/curation/categories/",
        {"add-name": "Health & Safety", "add-slug": "", "add-description": "Site safety."},
    )
    assert response["Location"] == "/curation/categories/"
    assert message_texts(response) == ["The category “Health & Safety” was added."]
    category = Category.objects.get(name="Health & Safety")
    assert (category.slug, category.description) == ("health-safety", "Site safety.")


def test_adding_a_category_with_a_name_in_use_shows_the_error(curating):
    response = curating.post("/curation/categories/", {"add-name": "Technical"})
    assert response.status_code == 200
    assert "There is already a category with this name." in response.content.decode()
    assert Category.objects.filter(name="Technical").count() == 1


def test_renaming_and_describing_a_category(curating):
    category = CategoryFactory(name="Vendors", slug="vendors")
    response = curating.post(
        f"/curation/categories/{category.pk}/",
        {"name": "Suppliers", "slug": "vendors", "description": "Who we buy from."},
    )
    assert message_texts(response) == ["The category “Suppliers” was saved."]
    category.refresh_from_db()
    assert (category.name, category.slug, category.description) == (
        "Suppliers",
        "vendors",
        "Who we buy from.",
    )


def test_only_an_unused_category_can_be_deleted(curating):
    LessonFactory(status=Status.ARCHIVED)  # archived lessons count too
    technical = Category.objects.get(slug="technical")
    unused = CategoryFactory(name="Spare", slug="spare")

    refused = curating.post(f"/curation/categories/{technical.pk}/delete/")
    assert message_texts(refused) == [
        "“Technical” is used by 1 lesson, so it cannot be deleted: give those lessons "
        "another category first, or rename this one."
    ]
    assert Category.objects.filter(pk=technical.pk).exists()
    page = curating.get(f"/curation/categories/{technical.pk}/").content.decode()
    assert "cannot be deleted" in page

    curating.post(f"/curation/categories/{unused.pk}/delete/")
    assert not Category.objects.filter(pk=unused.pk).exists()
