"""factory_boy factories shared by every test module."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from lessons.models import Action, Application, Category, Checklist, ChecklistItem, Lesson, Rating
from projects.models import Department, Membership, Phase, PhaseReview, Project, ProjectType


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")


class ProjectTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectType
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Project type {n}")
    slug = factory.Sequence(lambda n: f"type-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        """UserFactory(role="Curator") puts the user in that role's group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PRJ-{n}")
    name = factory.Sequence(lambda n: f"Project {n}")
    project_type = factory.SubFactory(ProjectTypeFactory)
    department = factory.SubFactory(DepartmentFactory)
    manager = None
    status = Project.Status.ACTIVE


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Phase {n}")
    order = factory.Sequence(lambda n: n)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class PhaseReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhaseReview

    project = factory.SubFactory(ProjectFactory)
    held_on = factory.LazyFunction(timezone.localdate)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Lesson number {n} about supplier onboarding")
    summary = "A short summary for tests."
    recommendation = "Write down what to repeat next time."
    kind = Lesson.Kind.WENT_WRONG
    project = factory.SubFactory(ProjectFactory)
    category = factory.LazyFunction(lambda: Category.objects.get(slug="technical"))
    impact = Lesson.Impact.MEDIUM
    visibility = Lesson.Visibility.ORGANISATION
    status = Lesson.Status.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda lesson: timezone.now() if lesson.status == Lesson.Status.PUBLISHED else None
    )
    submitted_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def tags(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        if create and extracted:
            self.tags.add(*extracted)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    lesson = factory.SubFactory(LessonFactory)
    user = factory.SubFactory(UserFactory)
    score = 4


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    lesson = factory.SubFactory(LessonFactory)
    description = factory.Sequence(lambda n: f"Update the checklist, step {n}")
    owner = factory.SubFactory(UserFactory)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    lesson = factory.SubFactory(LessonFactory)
    project = factory.SubFactory(ProjectFactory)
    how = "Used the checklist at kick-off."


class ChecklistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Checklist

    name = factory.Sequence(lambda n: f"Checklist {n}")
    project_type = None  # every project type
    phase_name = None  # every phase


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    """ChecklistItemFactory(source_lessons=[lesson, ...]) cites those lessons."""

    class Meta:
        model = ChecklistItem
        skip_postgeneration_save = True

    checklist = factory.SubFactory(ChecklistFactory)
    text = factory.Sequence(lambda n: f"Check step {n}")
    order = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def source_lessons(self, create: bool, extracted: list[Lesson] | None, **kwargs) -> None:
        if create and extracted:
            self.source_lessons.add(*extracted)
