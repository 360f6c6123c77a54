"""The profile page: my lessons in every status, my ratings, my actions, my projects."""

from __future__ import annotations

from lessons.models import Rating
from tests.factories import ActionFactory, LessonFactory


def test_profile_lists_my_lessons_actions_projects_and_ratings(
    client, contributor, project_a, project_b
):
    LessonFactory(title="My draft marker", submitted_by=contributor, status="draft")
    LessonFactory(title="My rejected marker", submitted_by=contributor, status="rejected")
    LessonFactory(title="Someone else's draft marker", status="draft")
    rated = LessonFactory(title="Rated marker")
    Rating.objects.create(lesson=rated, user=contributor, score=4, comment="Helped at kick-off")
    ActionFactory(owner=contributor, description="Update the tender template marker")
    client.force_login(contributor)

    page = client.get("/accounts/profile/").content.decode()

    assert "My draft marker" in page and "My rejected marker" in page
    assert "Someone else&#x27;s draft marker" not in page
    assert "Rated marker" in page and "Helped at kick-off" in page
    assert "Update the tender template marker" in page
    assert project_a.code in page and project_b.code not in page


def test_profile_never_lists_my_anonymous_submitted_lessons(client, contributor):
    lesson = LessonFactory(
        title="Anonymous marker", submitted_by=contributor, is_anonymous=True, status="draft"
    )
    client.force_login(contributor)
    assert "Anonymous marker" in client.get("/accounts/profile/").content.decode()
    lesson.status = "submitted"
    lesson.save()
    assert "Anonymous marker" not in client.get("/accounts/profile/").content.decode()


def test_profile_hides_ratings_and_actions_on_lessons_i_can_no_longer_see(
    client, reader, project_b
):
    hidden = LessonFactory(title="Hidden marker", project=project_b, visibility="restricted")
    Rating.objects.create(lesson=hidden, user=reader, score=5)
    ActionFactory(owner=reader, lesson=hidden, description="Hidden action marker")
    client.force_login(reader)
    page = client.get("/accounts/profile/").content.decode()
    assert "Hidden marker" not in page and "Hidden action marker" not in page


def test_profile_requires_sign_in_and_runs_few_queries(
    client, contributor, django_assert_max_num_queries
):
    assert client.get("/accounts/profile/").status_code == 302
    client.force_login(contributor)
    for n in range(10):
        LessonFactory(submitted_by=contributor, status="draft", title=f"Draft {n}")
        ActionFactory(owner=contributor)
    with django_assert_max_num_queries(10):
        assert client.get("/accounts/profile/").status_code == 200
