"""Pages of the foundation: sign-in, home, lesson detail, projects, health check."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lessons.models import Lesson, LessonViewDay
from tests.factories import (
    ActionFactory,
    LessonFactory,
    ProjectFactory,
    RatingFactory,
    UserFactory,
)


@pytest.fixture
def lesson(project_a):
    return LessonFactory(project=project_a, title="Visible lesson about cutover rehearsals")


# -- sign-in is required everywhere but the login page and /healthz ---------------------

PROTECTED_PATHS = [
    "/",
    "/lessons/{lesson}/",
    "/projects/",
    "/projects/{project}/",
    "/admin/",
]


@pytest.mark.parametrize("path", PROTECTED_PATHS)
def test_signed_out_visitor_is_sent_to_sign_in(client, lesson, path):
    url = path.format(lesson=lesson.pk, project=lesson.project.code)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") or response["Location"].startswith(
        "/admin/login/"
    )
    assert "next=" in response["Location"]


def test_login_page_and_health_check_are_open(client, db):
    assert client.get("/accounts/login/").status_code == 200
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_sign_in_with_wrong_password_shows_a_clear_message(client, reader):
    response = client.post("/accounts/login/", {"username": "rita", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_sign_in_then_sign_out_by_post(client, reader):
    response = client.post(
        "/accounts/login/", {"username": "rita", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200

    assert client.get("/accounts/logout/").status_code == 405  # never by a link or GET
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


# -- home -------------------------------------------------------------------------


def test_home_lists_visible_published_lessons_and_hides_the_rest(client, reader, project_b):
    LessonFactory(title="Marker published organisation", project=project_b)
    LessonFactory(
        title="Marker project only", project=project_b, visibility=Lesson.Visibility.PROJECT
    )
    LessonFactory(
        title="Marker restricted", project=project_b, visibility=Lesson.Visibility.RESTRICTED
    )
    LessonFactory(title="Marker draft", project=project_b, status=Lesson.Status.DRAFT)
    client.force_login(reader)

    page = client.get("/").content.decode()

    assert "Marker published organisation" in page
    for hidden in ("Marker project only", "Marker restricted", "Marker draft"):
        assert hidden not in page


def test_home_shows_most_useful_lessons_and_my_open_actions(client, reader):
    rated = LessonFactory(title="Highly rated lesson")
    RatingFactory(lesson=rated, score=5)
    Lesson.objects.filter(pk=rated.pk).update(rating_count=1, rating_avg=5)
    ActionFactory(owner=reader, description="Update the tender template", lesson=rated)
    ActionFactory(owner=reader, description="Finished already", status="done", lesson=rated)
    client.force_login(reader)

    page = client.get("/").content.decode()

    assert "Most useful" in page and "Highly rated lesson" in page
    assert "Update the tender template" in page
    assert "Finished already" not in page


def test_home_hides_my_action_on_a_lesson_i_can_no_longer_see(client, reader, project_b):
    hidden = LessonFactory(project=project_b, visibility=Lesson.Visibility.RESTRICTED)
    ActionFactory(owner=reader, description="Action on a restricted lesson", lesson=hidden)
    client.force_login(reader)
    assert "Action on a restricted lesson" not in client.get("/").content.decode()


def test_home_runs_a_fixed_number_of_queries(client, reader, django_assert_max_num_queries):
    client.force_login(reader)
    for n in range(3):
        LessonFactory(tags=["cutover", f"tag-{n}"])
    with django_assert_max_num_queries(12):
        client.get("/")
    for n in range(20):
        RatingFactory(lesson=LessonFactory(tags=["testing", f"more-{n}"]))
    with django_assert_max_num_queries(12):
        client.get("/")


# -- lesson detail ------------------------------------------------------------------------------


def test_lesson_page_shows_the_lesson_and_counts_the_view(client, reader, lesson):
    client.force_login(reader)
    response = client.get(reverse("lessons:detail", args=[lesson.pk]))
    assert response.status_code == 200
    assert lesson.title in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.view_count == 1
    assert LessonViewDay.objects.get(lesson=lesson).count == 1


@pytest.mark.parametrize(
    ("visibility", "status"),
    [
        ("project", "published"),
        ("restricted", "published"),
        ("organisation", "draft"),
        ("organisation", "submitted"),
        ("organisation", "rejected"),
        ("organisation", "archived"),
    ],
)
def test_lesson_page_answers_404_for_a_lesson_the_user_may_not_see(
    client, reader, project_b, visibility, status
):
    hidden = LessonFactory(project=project_b, visibility=visibility, status=status)
    client.force_login(reader)
    assert client.get(reverse("lessons:detail", args=[hidden.pk])).status_code == 404
    hidden.refresh_from_db()
    assert hidden.view_count == 0


def test_lesson_page_of_an_anonymous_lesson_names_nobody(client, curator, reader, project_a):
    lesson = LessonFactory(
        project=project_a, submitted_by=reader, is_anonymous=True, status="published"
    )
    client.force_login(curator)
    page = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert "Anonymous" in page
    assert reader.username not in page and reader.last_name not in page


def test_lesson_markdown_is_rendered_and_sanitised(client, reader):
    lesson = LessonFactory(
        recommendation="- **Book** the room\n- <script>alert('x')</script>"
        "[click](javascript:alert(1))"
    )
    client.force_login(reader)
    page = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert "<strong>Book</strong>" in page
    assert "<script>alert" not in page
    assert "javascript:alert" not in page


def test_lesson_page_runs_a_fixed_number_of_queries(
    client, reader, lesson, django_assert_max_num_queries
):
    client.force_login(reader)
    lesson.tags.add("cutover", "testing")
    # 17: one more since the page lists the checklist items citing the lesson
    with django_assert_max_num_queries(17):
        client.get(reverse("lessons:detail", args=[lesson.pk]))
    for _ in range(10):
        ActionFactory(lesson=lesson)
        RatingFactory(lesson=lesson)
    with django_assert_max_num_queries(17):
        client.get(reverse("lessons:detail", args=[lesson.pk]))


# -- projects -------------------------------------------------------------------------


def test_project_page_lists_only_lessons_the_user_may_see(client, reader, contributor, project_a):
    LessonFactory(project=project_a, title="Marker open to all")
    LessonFactory(project=project_a, title="Marker members only", visibility="project")

    client.force_login(reader)
    page = client.get(f"/projects/{project_a.code}/").content.decode()
    assert "Marker open to all" in page and "Marker members only" not in page

    client.force_login(contributor)
    page = client.get(f"/projects/{project_a.code}/").content.decode()
    assert "Marker open to all" in page and "Marker members only" in page


def test_unknown_project_is_404(client, reader):
    client.force_login(reader)
    assert client.get("/projects/NOPE/").status_code == 404


def test_project_list_shows_projects(client, reader):
    ProjectFactory(code="ERP-2025", name="Finance ERP")
    client.force_login(reader)
    assert "ERP-2025" in client.get("/projects/").content.decode()


# -- admin -------------------------------------------------------------------------


def test_admin_changelist_never_shows_the_submitter_of_an_anonymous_lesson(client, reader):
    admin_user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    named = UserFactory(username="namedauthor", first_name="Nadia", last_name="Named")
    LessonFactory(title="Named lesson", submitted_by=named)
    LessonFactory(
        title="Anonymous lesson", submitted_by=reader, is_anonymous=True, status="published"
    )
    client.force_login(admin_user)

    page = client.get("/admin/lessons/lesson/").content.decode()

    assert "Nadia Named" in page
    assert "Rita" not in page and "rita" not in page
    assert "anonymous" in page


def test_admin_change_form_of_an_anonymous_lesson_has_no_submitter_field(client, reader):
    admin_user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    lesson = LessonFactory(submitted_by=reader, is_anonymous=True, status="published")
    client.force_login(admin_user)
    response = client.get(f"/admin/lessons/lesson/{lesson.pk}/change/")
    assert response.status_code == 200
    assert 'name="submitted_by"' not in response.content.decode()
    history = client.get(f"/admin/lessons/lesson/{lesson.pk}/history/")
    assert history.status_code == 200
    assert "Rita" not in history.content.decode()


def test_staff_curator_admin_lists_only_what_the_access_rule_allows(client, project_b):
    staff_reader = UserFactory(username="staffreader", is_staff=True, role="Reader")
    from django.contrib.auth.models import Permission

    staff_reader.user_permissions.add(Permission.objects.get(codename="view_lesson"))
    LessonFactory(project=project_b, title="Open marker")
    LessonFactory(project=project_b, title="Restricted marker", visibility="restricted")
    client.force_login(staff_reader)
    page = client.get("/admin/lessons/lesson/").content.decode()
    assert "Open marker" in page and "Restricted marker" not in page


@pytest.mark.parametrize("field", ["project", "category", "review", "reviewed_by", "phase"])
def test_staff_curator_works_on_lessons_in_the_admin(client, project_b, field):
    curator = UserFactory(username="staffcurator", is_staff=True, role="Curator")
    lesson = LessonFactory(project=project_b, title="For curators", visibility="restricted")
    client.force_login(curator)

    assert "For curators" in client.get("/admin/lessons/lesson/").content.decode()
    form = client.get(f"/admin/lessons/lesson/{lesson.pk}/change/")
    assert form.status_code == 200
    assert 'name="tags"' in form.content.decode()
    autocomplete = client.get(
        "/admin/autocomplete/",
        {"app_label": "lessons", "model_name": "lesson", "field_name": field},
    )
    assert autocomplete.status_code == 200


def test_admin_refuses_a_stale_edit_and_keeps_the_editors_text(client, project_b):
    admin_user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    lesson = LessonFactory(project=project_b, title="Before anyone edited")
    client.force_login(admin_user)
    url = f"/admin/lessons/lesson/{lesson.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "title": "My careful edit",
            "tags": "",
            "loaded_version": lesson.version,
            "actions-TOTAL_FORMS": 0,
            "actions-INITIAL_FORMS": 0,
            "applications-TOTAL_FORMS": 0,
            "applications-INITIAL_FORMS": 0,
        }
    )
    other_copy = Lesson.objects.get(pk=lesson.pk)
    other_copy.title = "Someone else got there first"
    other_copy.save()

    response = client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this lesson after you opened it" in page
    assert "My careful edit" in page
    lesson.refresh_from_db()
    assert lesson.title == "Someone else got there first"

    data["loaded_version"] = lesson.version
    response = client.post(url, data)
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.title == "My careful edit"
