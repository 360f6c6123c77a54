"""seed_demo: realistic demo data, loaded once, and fast generated lessons for benchmarks."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.http import HttpRequest

from accounts.models import User
from lessons.models import Action, Application, Category, Lesson, LessonViewDay, Rating
from projects.models import Department, Phase, PhaseReview, Project, ProjectType


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "projects", "lessons", "taggit", "auth"}
    }


@pytest.fixture
def seeded(db):
    return seed()


def test_second_run_changes_nothing(seeded):
    before = row_counts()
    lessons_before = list(Lesson.objects.order_by("pk").values())

    output = seed()

    assert "nothing changed" in output
    assert row_counts() == before
    assert list(Lesson.objects.order_by("pk").values()) == lessons_before


def test_demo_users_sign_in_with_the_printed_passwords(seeded, client):
    for username in ("reader", "contributor", "curator", "admin"):
        assert f"username {username}" in seeded
        password = f"{username}-demo"
        assert f"password {password}" in seeded
        # django-axes needs a request in authenticate(); Client.login() passes none itself.
        assert client.login(request=HttpRequest(), username=username, password=password)
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="curator").groups.filter(name="Curator").exists()


def test_demo_organisation_has_the_promised_shape(seeded):
    assert Department.objects.count() == 5
    assert ProjectType.objects.count() == 6
    assert 18 <= Project.objects.count() <= 22
    years = {d.year for d in Project.objects.values_list("start_date", flat=True)}
    assert len(years) >= 3
    assert Phase.objects.count() == Project.objects.count() * 5
    assert PhaseReview.objects.exists()


def test_demo_lessons_cover_every_category_kind_impact_visibility_and_status(seeded):
    lessons = Lesson.objects.all()
    assert 380 <= lessons.count() <= 500
    assert set(lessons.values_list("category__slug", flat=True)) == set(
        Category.objects.values_list("slug", flat=True)
    )
    for field, choices in [
        ("kind", Lesson.Kind),
        ("impact", Lesson.Impact),
        ("visibility", Lesson.Visibility),
        ("status", Lesson.Status),
        ("likelihood", Lesson.Likelihood),
    ]:
        assert set(lessons.values_list(field, flat=True)) == set(choices.values), field
    assert lessons.values("title").distinct().count() == lessons.count()
    anonymous = lessons.filter(is_anonymous=True)
    assert anonymous.exists()
    assert not anonymous.exclude(status="draft").exclude(submitted_by=None).exists()
    assert lessons.exclude(recurrence_of=None).exists()
    assert Lesson.tags.through.objects.count() >= lessons.count() * 2


def test_demo_lessons_have_ratings_views_actions_and_later_applications(seeded):
    assert Rating.objects.count() > 300
    assert LessonViewDay.objects.exists()
    assert Action.objects.filter(status="open").exists()
    assert Action.objects.filter(owner__username="contributor").exists()
    for application in Application.objects.select_related("lesson__project", "project"):
        assert application.project.start_date > application.lesson.project.start_date
    # Denormalised figures agree with the rows they summarise.
    for lesson in Lesson.objects.filter(rating_count__gt=0)[:50]:
        scores = list(lesson.ratings.values_list("score", flat=True))
        assert lesson.rating_count == len(scores)
        assert lesson.rating_avg == pytest.approx(sum(scores) / len(scores), abs=1e-3)


def test_contributor_sees_project_lessons_of_their_projects_only(seeded):
    contributor = User.objects.get(username="contributor")
    visible = Lesson.objects.visible_to(contributor)
    own_projects = set(contributor.memberships.values_list("project_id", flat=True))
    project_only = visible.filter(visibility="project", status="published")
    assert set(project_only.values_list("project_id", flat=True)) <= own_projects
    assert visible.filter(submitted_by=contributor).exclude(status="published").exists()


def test_generated_lessons_are_added_in_bulk(seeded):
    before = Lesson.objects.count()
    seed(lessons=250)
    assert Lesson.objects.count() == before + 250
    generated = Lesson.objects.order_by("-pk")[:250]
    assert all(lesson.tags.exists() for lesson in generated[:20])
