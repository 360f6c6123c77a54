"""The lesson page: rating control, related lessons, the way back to the search."""

from __future__ import annotations

import pytest

from lessons.models import Rating
from tests.factories import LessonFactory, UserFactory


@pytest.fixture
def lesson(db):
    return LessonFactory(title="Rehearse the cutover twice", tags=["cutover", "go-live"])


def rate(client, lesson, **data):
    return client.post(f"/lessons/{lesson.pk}/rate/", data)


def test_reader_sets_changes_and_removes_their_rating(client, reader, lesson):
    client.force_login(reader)

    response = rate(client, lesson, score="4", comment="Used it on our ERP go-live")
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.rating_count, lesson.rating_avg) == (1, 4.0)
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "You rated it 4 out of 5" in page
    assert "Used it on our ERP go-live" in page  # the comment is kept in the form

    rate(client, lesson, score="2")
    lesson.refresh_from_db()
    assert (lesson.rating_count, lesson.rating_avg) == (1, 2.0)

    rate(client, lesson, remove="1")
    lesson.refresh_from_db()
    assert (lesson.rating_count, lesson.rating_avg) == (0, 0.0)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", ["", "0", "6", "five"])
def test_a_rating_outside_one_to_five_is_refused_with_a_message(client, reader, lesson, score):
    client.force_login(reader)
    response = rate(client, lesson, score=score)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert "Choose a score from 1 to 5" in follow.content.decode()
    assert not Rating.objects.exists()


def test_rating_a_lesson_one_may_not_see_is_404(client, reader, project_b):
    hidden = LessonFactory(project=project_b, visibility="restricted")
    client.force_login(reader)
    assert rate(client, hidden, score="5").status_code == 404
    assert not Rating.objects.exists()


def test_rating_needs_post(client, reader, lesson):
    client.force_login(reader)
    assert client.get(f"/lessons/{lesson.pk}/rate/").status_code == 405


def test_drafts_cannot_be_rated(client, reader):
    own_draft = LessonFactory(submitted_by=reader, status="draft")
    client.force_login(reader)
    rate(client, own_draft, score="5")
    assert not Rating.objects.exists()
    assert "Rate this lesson" not in client.get(f"/lessons/{own_draft.pk}/").content.decode()


def test_related_lessons_share_words_or_tags_and_are_visible_only(
    client, reader, project_b, lesson
):
    LessonFactory(title="Cutover rehearsal found data gaps", tags=["cutover"])
    LessonFactory(title="Go-live weekend staffing", tags=["go-live"])
    LessonFactory(
        title="Restricted cutover rehearsal story",
        tags=["cutover"],
        visibility="restricted",
        project=project_b,
    )
    LessonFactory(title="Draft cutover rehearsal", tags=["cutover"], status="draft")
    client.force_login(reader)

    related = [other.title for other in client.get(f"/lessons/{lesson.pk}/").context["related"]]

    assert "Cutover rehearsal found data gaps" in related
    assert "Go-live weekend staffing" in related
    assert lesson.title not in related
    assert not any("Restricted" in title or "Draft" in title for title in related)


def test_back_link_returns_to_the_search_it_came_from(client, reader, lesson):
    client.force_login(reader)
    results = client.get("/lessons/", {"q": "cutover", "impact": "medium"})
    link = results.context["link_suffix"]
    page = client.get(f"/lessons/{lesson.pk}/{link}")
    assert page.context["back_url"] == "/lessons/?q=cutover&impact=medium"


def test_back_link_cannot_point_elsewhere(client, reader, lesson):
    client.force_login(reader)
    page = client.get(f"/lessons/{lesson.pk}/", {"back": "https://evil.example.org/&x=1"})
    assert page.context["back_url"] == "/lessons/"


def test_a_merged_lesson_redirects_to_the_one_kept(client, reader):
    kept = LessonFactory(title="Kept lesson")
    duplicate = LessonFactory(title="Duplicate lesson", merged_into=kept, status="archived")
    client.force_login(reader)
    response = client.get(f"/lessons/{duplicate.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/lessons/{kept.pk}/"


def test_a_merged_lesson_gives_nothing_away_to_those_who_cannot_read_either(client, reader):
    restricted_kept = LessonFactory(visibility="restricted")
    into_hidden = LessonFactory(merged_into=restricted_kept, status="archived")
    kept = LessonFactory()
    hidden_duplicate = LessonFactory(visibility="restricted", merged_into=kept, status="archived")
    client.force_login(reader)
    assert client.get(f"/lessons/{into_hidden.pk}/").status_code == 404
    assert client.get(f"/lessons/{hidden_duplicate.pk}/").status_code == 404


def test_another_users_rating_is_not_shown_as_mine(client, reader, lesson):
    Rating.objects.create(lesson=lesson, user=UserFactory(), score=5)
    client.force_login(reader)
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "You rated it" not in page


def test_curators_find_the_edit_history_and_readers_do_not(client, reader, lesson):
    staff_curator = UserFactory(username="staffcurator", is_staff=True, role="Curator")
    client.force_login(staff_curator)
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert f"/admin/lessons/lesson/{lesson.pk}/history/" in page
    client.force_login(reader)
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "/history/" not in page
