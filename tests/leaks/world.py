"""The world and the oracle behind the leak suite (tests/leaks/test_surfaces.py); the probe
that looks at it is in tests/leaks/probe.py.

The world is one set of lessons across visibility x status x project, plus lessons by the
contributor, anonymous lessons and merged duplicates. Every lesson carries a unique marker
word (in its title, summary, body and as a tag), so a page, export or API answer can be
scanned for the lessons it shows.

The oracle (``can_see``) restates the access rule of docs/architecture.md in plain Python.
It never calls ``Lesson.objects.visible_to``: a broken access rule must not break the
test's expectations with it.

A surface is a function ``(probe) -> None`` that fetches pages as one persona and reports
what it found with ``probe.check``; ``page`` and ``per_lesson`` build the common kinds of
surface in one line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from simple_history.utils import bulk_create_with_history
from taggit.models import Tag, TaggedItem

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR, READER
from lessons import search
from lessons.models import (
    Action,
    Category,
    Checklist,
    ChecklistItem,
    Lesson,
    LessonViewDay,
    Rating,
    bayesian_usefulness,
)
from projects.models import Department, Membership, Project, ProjectType

MARKER = re.compile(r"leakmarker[a-z0-9]*")
SHARED_TAG = "leakshared"
SHARED_WORDS = "leakshared supplier onboarding cutover"
STATUSES = tuple(Lesson.Status.values)
VISIBILITIES = tuple(Lesson.Visibility.values)
SHORT = {"organisation": "org", "project": "prj", "restricted": "rst"}
# The more secret a lesson, the newer and better rated it is: a broken rule puts it at the
# top of every "recent" and "most useful" list, where a leak cannot hide.
SECRECY = {"organisation": 0, "project": 1, "restricted": 2}
API_PATH = "/api/"
PASSWORD = "correct-horse-battery"


# -- who ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone in the world: a persona the tests sign in as, or an author only."""

    key: str
    username: str
    first_name: str
    last_name: str
    role: str | None = None
    active: bool = True
    staff: bool = False
    member_of: frozenset[str] = frozenset()

    @property
    def is_curator(self) -> bool:
        return self.role in (CURATOR, ADMINISTRATOR)

    @property
    def names(self) -> tuple[str, ...]:
        """Every string that would identify this person on a page."""
        return (self.username, self.first_name, self.last_name)


PEOPLE = {
    person.key: person
    for person in (
        Person("reader", "rhodaleak", "Rhoda", "Readwell", READER),
        Person(
            "contributor",
            "cosmoleak",
            "Cosmo",
            "Quillfeather",
            CONTRIBUTOR,
            member_of=frozenset({"A"}),
        ),
        Person("curator", "cleoleak", "Cleo", "Sortwright", CURATOR, staff=True),
        Person("administrator", "amosleak", "Amos", "Keyholder", ADMINISTRATOR, staff=True),
        # A former curator and member of project A, staff in the admin, who has left.
        Person(
            "deactivated",
            "dorisleak",
            "Doris",
            "Departed",
            CURATOR,
            active=False,
            staff=True,
            member_of=frozenset({"A"}),
        ),
        # Authors only, never signed in: a named colleague and an anonymous one.
        Person("outsider", "olgaleak", "Olga", "Outfield"),
        Person("hidden", "zebhiddenq", "Zebulon", "Hiddenquill", CONTRIBUTOR),
    )
}
PERSONAS = ("reader", "contributor", "curator", "administrator", "deactivated")


# -- what -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonSpec:
    marker: str
    project: str  # "A" or "B"
    visibility: str
    status: str
    author: str  # key of PEOPLE: who wrote it
    anonymous: bool = False
    merged_into: str | None = None  # marker of the lesson it was folded into
    recurrence_of: str | None = None  # marker of the earlier lesson it repeats

    @property
    def submitter(self) -> str | None:
        """Who the lesson records as its submitter: nobody, once an anonymous one is sent."""
        if self.anonymous and self.status != "draft":
            return None
        return self.author

    @property
    def published(self) -> bool:
        return self.status == "published"


def lesson_specs() -> list[LessonSpec]:
    specs = [
        # Visibility x status x project, by a colleague none of the personas is.
        LessonSpec(
            f"leakmarker{SHORT[vis]}{status}{project.lower()}", project, vis, status, "outsider"
        )
        for project, vis, status in itertools.product("AB", VISIBILITIES, STATUSES)
    ]
    # The contributor's own lessons in project B, which they are not a member of: only
    # authorship shows them.
    specs += [
        LessonSpec(f"leakmarkermine{SHORT[vis]}{status}b", "B", vis, status, "contributor")
        for vis, status in [("restricted", s) for s in STATUSES]
        + [("project", "draft"), ("project", "published")]
    ]
    specs.append(LessonSpec("leakmarkerformerrstdraftb", "B", "restricted", "draft", "deactivated"))
    # Anonymous lessons: by a colleague, in every status, and by the contributor.
    specs += [
        LessonSpec(f"leakmarkeranonorg{status}a", "A", "organisation", status, "hidden", True)
        for status in STATUSES
    ]
    specs.append(
        LessonSpec("leakmarkeranonprjpublisheda", "A", "project", "published", "hidden", True)
    )
    specs += [
        LessonSpec("leakmarkermineanonrstdraftb", "B", "restricted", "draft", "contributor", True),
        LessonSpec(
            "leakmarkermineanonrstsubmittedb", "B", "restricted", "submitted", "contributor", True
        ),
        LessonSpec(
            "leakmarkermineanonorgpublishedb", "B", "organisation", "published", "contributor", True
        ),
    ]
    # Duplicates folded into an open lesson and into a secret one.
    specs += [
        LessonSpec(
            "leakmarkermergedopena",
            "A",
            "organisation",
            "published",
            "outsider",
            merged_into="leakmarkerorgpublisheda",
        ),
        LessonSpec(
            "leakmarkermergedsecretb",
            "B",
            "organisation",
            "published",
            "outsider",
            merged_into="leakmarkerrstpublishedb",
        ),
    ]
    # Recurrence links between an open and a secret lesson, both ways.
    recurrences = {
        "leakmarkerorgpublisheda": "leakmarkerrstpublishedb",
        "leakmarkerprjpublisheda": "leakmarkerorgpublishedb",
        "leakmarkerrstdrafta": "leakmarkerorgpublishedb",
    }
    return [replace(spec, recurrence_of=recurrences.get(spec.marker)) for spec in specs]


def can_see(person: Person, spec: LessonSpec) -> bool:
    """The access rule, restated: may this person see this lesson?"""
    if not person.active:
        return False  # a deactivated account cannot even sign in
    if person.is_curator:
        return True
    if spec.submitter == person.key:
        return True
    if not spec.published:
        return False
    return spec.visibility == "organisation" or (
        spec.visibility == "project" and spec.project in person.member_of
    )


# -- the world in the database ----------------------------------------------------------------


@dataclass
class World:
    specs: dict[str, LessonSpec]
    users: dict[str, User]
    projects: dict[str, Project]
    pks: dict[str, int]
    actions_for: dict[str, set[str]]  # persona key -> markers of lessons with their action
    checklist: Checklist

    def markers(self, condition: Callable[[LessonSpec], bool] = lambda spec: True) -> set[str]:
        return {marker for marker, spec in self.specs.items() if condition(spec)}

    def __post_init__(self) -> None:
        self._markers_by_pk = {pk: marker for marker, pk in self.pks.items()}

    def marker_of_pk(self, pk: int) -> str:
        return self._markers_by_pk[pk]

    def code(self, project: str) -> str:
        return self.projects[project].code

    def url(self, marker: str) -> str:
        return f"/lessons/{self.pks[marker]}/"


def _create_people() -> dict[str, User]:
    users = {}
    for key, person in PEOPLE.items():
        users[key] = User(
            username=person.username,
            first_name=person.first_name,
            last_name=person.last_name,
            email=f"{person.username}@example.org",
            is_staff=person.staff,
            is_active=person.active,
        )
        users[key].set_password(PASSWORD)
    User.objects.bulk_create(users.values())
    groups = dict(Group.objects.values_list("name", "pk"))
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=users[key].pk, group_id=groups[person.role])
        for key, person in PEOPLE.items()
        if person.role
    )
    return users


def _create_projects() -> dict[str, Project]:
    projects = {}
    for letter in "AB":
        project_type = ProjectType.objects.create(name=f"Leak type {letter}", slug=f"leak-{letter}")
        department = Department.objects.create(name=f"Leak department {letter}")
        projects[letter] = Project.objects.create(
            code=f"LEAK-{letter}",
            name=f"Leak project {letter}",
            project_type=project_type,
            department=department,
        )
    return projects


def _lesson(spec: LessonSpec, rank: int, context: dict[str, Any]) -> Lesson:
    secrecy = SECRECY[spec.visibility]
    # Secret lessons repeat the shared words: they rank first among related lessons too.
    text = f"{spec.marker} " + " ".join([SHARED_WORDS] * (1 + secrecy))
    published_at = None
    if spec.status in ("published", "archived"):
        published_at = context["now"] + timedelta(hours=secrecy * 100 + rank)
    return Lesson(
        title=f"Lesson {spec.marker}",
        summary=f"Summary of {text}.",
        context=f"What happened in {spec.marker}.",
        root_cause=f"Why {spec.marker} happened.",
        recommendation=f"Next time, remember {text}.",
        kind=Lesson.Kind.WENT_WRONG,
        project=context["projects"][spec.project],
        category=context["category"],
        impact=Lesson.Impact.MEDIUM,
        visibility=spec.visibility,
        # An anonymous lesson starts as its author's draft; it is sent below.
        status=Lesson.Status.DRAFT if spec.anonymous else spec.status,
        published_at=published_at,
        submitted_by=context["users"][spec.author],
        is_anonymous=spec.anonymous,
        view_count=secrecy * 100 + rank,
    )


def build_world() -> World:
    """Every lesson, person, rating, action and tag of the leak suite, in about 90 statements."""
    specs = {spec.marker: spec for spec in lesson_specs()}
    users = _create_people()
    projects = _create_projects()
    Membership.objects.bulk_create(
        Membership(project=projects[project], user=users[key], role=Membership.Role.MEMBER)
        for key, person in PEOPLE.items()
        for project in sorted(person.member_of)
    )

    context = {
        "users": users,
        "projects": projects,
        "category": Category.objects.get(slug="technical"),
        "now": timezone.now() - timedelta(days=60),
    }
    lessons = {
        marker: _lesson(spec, rank, context) for rank, (marker, spec) in enumerate(specs.items())
    }
    for lesson in lessons.values():
        # Each first version is recorded as its author's, as the history middleware would.
        lesson._history_user = lesson.submitted_by
    bulk_create_with_history(list(lessons.values()), Lesson)
    pks = {marker: lesson.pk for marker, lesson in lessons.items()}
    for marker, spec in specs.items():
        if spec.anonymous:
            # The author saves it again (a draft) or sends it: from then on no history row
            # may record who wrote it.
            lessons[marker].status = spec.status
            lessons[marker].save()

    links = []
    for marker, spec in specs.items():
        if spec.merged_into or spec.recurrence_of:
            lesson = lessons[marker]
            lesson.merged_into_id = pks.get(spec.merged_into)
            lesson.recurrence_of_id = pks.get(spec.recurrence_of)
            links.append(lesson)
    Lesson.objects.bulk_update(links, ["merged_into", "recurrence_of"])

    # Tags: one shared by all (so every lesson is related to every other), one per marker.
    tags = Tag.objects.bulk_create(Tag(name=name, slug=name) for name in [SHARED_TAG, *specs])
    tag_ids = {tag.name: tag.pk for tag in tags}
    lesson_type = ContentType.objects.get_for_model(Lesson)
    TaggedItem.objects.bulk_create(
        TaggedItem(tag_id=tag_ids[name], content_type=lesson_type, object_id=pks[marker])
        for marker in specs
        for name in (SHARED_TAG, marker)
    )
    search.index_lessons(list(pks.values()))

    # Every persona rated every lesson, owns an open action on it, and it was viewed today:
    # the profile, home page and admin lists have something to leak.
    personas = [users[key] for key in PERSONAS]
    ratings = []
    for marker, spec in specs.items():
        score = 3 + SECRECY[spec.visibility]
        ratings += [Rating(lesson_id=pks[marker], user=user, score=score) for user in personas]
        lessons[marker].rating_count = len(personas)
        lessons[marker].rating_avg = float(score)
        lessons[marker].usefulness = bayesian_usefulness(score, len(personas))
    Rating.objects.bulk_create(ratings)
    Lesson.objects.bulk_update(lessons.values(), ["rating_count", "rating_avg", "usefulness"])
    actions_for = {
        key: {
            marker
            for marker, spec in specs.items()
            # An action's owner is named on the lesson page: never on one's anonymous lesson.
            if not (spec.anonymous and spec.author == key)
        }
        for key in PERSONAS
    }
    Action.objects.bulk_create(
        Action(lesson_id=pks[marker], owner=users[key], description=f"Follow up {marker}")
        for key, markers in actions_for.items()
        for marker in sorted(markers)
    )
    LessonViewDay.objects.bulk_create(
        LessonViewDay(lesson_id=pk, day=timezone.localdate(), count=1) for pk in pks.values()
    )
    checklist = Checklist.objects.create(name="Leak checklist")
    item = ChecklistItem.objects.create(checklist=checklist, text="Cite every lesson")
    item.source_lessons.set(pks.values())
    return World(specs, users, projects, pks, actions_for, checklist)
