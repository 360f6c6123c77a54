"""A full backup restores exactly: every field of every object, into an empty database."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR
from lessons import search, workflow
from lessons.models import (
    Action,
    Application,
    Category,
    Checklist,
    ChecklistItem,
    Lesson,
    LessonViewDay,
    Rating,
)
from lessons.ratings import rate_lesson, record_view
from lessons.transfer import backup
from projects.models import (
    Department,
    KickoffAssignment,
    Membership,
    Phase,
    PhaseReview,
    Project,
    ProjectType,
)
from tests.factories import (
    ActionFactory,
    ApplicationFactory,
    ChecklistFactory,
    ChecklistItemFactory,
    DepartmentFactory,
    LessonFactory,
    MembershipFactory,
    PhaseFactory,
    PhaseReviewFactory,
    ProjectFactory,
    ProjectTypeFactory,
    UserFactory,
)

HISTORY = Lesson.history.model
# Every table of the backup, in an order that lets them be deleted.
MODELS: list[type[models.Model]] = [
    KickoffAssignment,
    Application,
    Action,
    ChecklistItem,
    Checklist,
    LessonViewDay,
    Rating,
    HISTORY,
    Lesson,
    PhaseReview,
    Membership,
    Phase,
    Project,
    Category,
    Tag,
    User,
    Department,
    ProjectType,
]


def snapshot() -> dict[str, list[dict]]:
    """Every stored field of every row (search vector and password aside), links and tags."""
    state: dict[str, list[dict]] = {}
    for model in MODELS:
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in ("search_vector", "password")
        ]
        rows = []
        for obj in model._base_manager.order_by("pk"):
            row = {name: getattr(obj, name) for name in fields}
            if model is Lesson:
                row["tags"] = sorted(obj.tags.values_list("name", flat=True))
            elif model is User:
                row["roles"] = sorted(obj.groups.values_list("name", flat=True))
            elif model is PhaseReview:
                row["attendees"] = sorted(obj.attendees.values_list("pk", flat=True))
            elif model is ChecklistItem:
                row["source_lessons"] = sorted(obj.source_lessons.values_list("pk", flat=True))
            rows.append(row)
        state[model._meta.label_lower] = rows
    return state


def wipe(keep_categories: bool = False) -> None:
    TaggedItem.objects.all().delete()
    # Deleting lessons writes history rows of its own: the history goes after the lessons.
    order = [model for model in MODELS if model is not HISTORY]
    order.insert(order.index(Lesson) + 1, HISTORY)
    for model in order:
        if model is Category and keep_categories:
            continue
        if model is Lesson:
            Lesson.objects.update(recurrence_of=None, merged_into=None)
        model._base_manager.all().delete()


@pytest.fixture
def world(db, curator, administrator, reader):
    """Every model, with the fields whose history matters set to something other than the
    defaults: an anonymous lesson, a merged one, a recurrence, edits, ratings, views,
    actions, applications, checklist citations and a kick-off assignment."""
    made = _people_and_projects()
    _lessons(made, curator)
    _lessons_in_use(made, reader, curator)
    Category.objects.filter(slug="technical").update(description="Our own wording")
    Category.objects.create(name="Vendors", slug="vendors", description="Added here")
    Tag.objects.create(name="unused", slug="unused")
    return {
        "anonymous": made.anonymous,
        "anonymous_draft": made.anonymous_draft,
        "author": made.author,
    }


def _people_and_projects() -> SimpleNamespace:
    """Users with roles and a department, two projects with phases, members and a review."""
    finance = DepartmentFactory(name="Finance")
    erp = ProjectTypeFactory(name="ERP rollout", slug="erp")
    manager = UserFactory(
        username="mia",
        first_name="Mia",
        last_name="Manager",
        department=finance,
        job_title="Programme manager",
        role=CONTRIBUTOR,
        last_login=timezone.now() - dt.timedelta(days=3),
    )
    author = UserFactory(username="aiko", first_name="Aiko", last_name="Author", role=CONTRIBUTOR)
    author.groups.add(Group.objects.get(name=CURATOR))  # two roles
    gone = UserFactory(username="gone", is_active=False, role=CONTRIBUTOR)
    old = ProjectFactory(
        code="ERP-2024",
        name="ERP wave 1",
        project_type=erp,
        department=finance,
        manager=manager,
        start_date=dt.date(2024, 1, 8),
        end_date=dt.date(2024, 12, 20),
        status=Project.Status.CLOSED,
        outcome=Project.Outcome.PARTIAL,
        schedule_variance_pct=Decimal("12.5"),
        budget_variance_pct=Decimal("-3.0"),
    )
    new = ProjectFactory(code="ERP-2026", project_type=erp, department=finance, manager=manager)
    Project.objects.filter(pk=new.pk).update(
        briefing_reviewed_at=timezone.now(), briefing_reviewed_by=manager
    )
    planning = PhaseFactory(project=old, name="Planning", order=2, start_date=dt.date(2024, 2, 1))
    PhaseFactory(project=new, name="Initiation", order=1)
    MembershipFactory(project=old, user=author, role=Membership.Role.MEMBER)
    MembershipFactory(project=new, user=manager, role=Membership.Role.MANAGER)
    review = PhaseReviewFactory(
        project=old, phase=planning, facilitator=manager, notes="Long session", status="closed"
    )
    review.attendees.add(author, manager, gone)
    return SimpleNamespace(
        erp=erp,
        manager=manager,
        author=author,
        gone=gone,
        old=old,
        new=new,
        planning=planning,
        review=review,
    )


def _lessons(made: SimpleNamespace, curator: User) -> None:
    """An edited lesson, a recurrence, a merge, anonymous ones and an archived one."""
    old, author = made.old, made.author
    base = LessonFactory(
        title="Suppliers need an owner",
        summary="Onboarding slipped.",
        context="Six weeks late.",
        root_cause="Nobody owned it.",
        recommendation="Name an owner in week one.",
        early_warning="Forms pile up.",
        kind="went_wrong",
        project=old,
        phase=made.planning,
        review=made.review,
        impact="high",
        likelihood="likely",
        occurred_on=dt.date(2024, 3, 1),
        submitted_by=author,
        tags=["supplier", "onboarding"],
        external_id="L-001",
        import_fingerprint="f" * 64,
    )
    base.title = "Suppliers need one owner"
    base.save()  # version 2, a second history row
    workflow.confirm_still_valid(base, by=curator)
    recurring = LessonFactory(
        title="Supplier onboarding slipped again",
        project=made.new,
        recurrence_of=base,
        submitted_by=author,
        visibility="project",
        tags=["supplier"],
    )
    duplicate = LessonFactory(
        title="Owner for suppliers", project=old, status="submitted", submitted_by=author
    )
    kept = workflow.merge(duplicate, into=base, by=curator, reason="Same lesson")
    anonymous = LessonFactory(
        title="The steering group ignored the risk",
        project=old,
        status="draft",
        is_anonymous=True,
        submitted_by=author,
        visibility="restricted",
    )
    workflow.submit(anonymous, by=author)
    anonymous_draft = LessonFactory(
        title="Still writing this",
        project=old,
        status="draft",
        is_anonymous=True,
        submitted_by=author,
    )
    archived = LessonFactory(title="Old news", project=old, submitted_by=made.gone)
    workflow.archive(archived, by=curator, reason="Outdated")
    made.kept, made.recurring = kept, recurring
    made.anonymous, made.anonymous_draft = anonymous, anonymous_draft


def _lessons_in_use(made: SimpleNamespace, reader: User, curator: User) -> None:
    """Ratings, views, a checklist citing lessons, an action, an application, an assignment."""
    kept, recurring, manager = made.kept, made.recurring, made.manager
    for user, score in ((reader, 5), (manager, 3), (curator, 4)):
        rate_lesson(kept, user, score, comment=f"from {user.username}")
    record_view(kept)
    record_view(recurring)
    LessonViewDay.objects.create(lesson=kept, day=dt.date(2025, 1, 2), count=7)

    checklist = ChecklistFactory(
        name="ERP kick-off", project_type=made.erp, phase_name="Initiation"
    )
    ChecklistFactory(name="Every project")
    item = ChecklistItemFactory(checklist=checklist, text="Name a supplier owner", order=1)
    item.source_lessons.add(kept, recurring)
    ActionFactory(
        lesson=kept,
        owner=manager,
        due_on=dt.date(2025, 6, 1),
        status="done",
        completed_on=dt.date(2025, 5, 30),
        impact=5,
        effort=2,
        target="Kick-off checklist",
        target_checklist=checklist,
    )
    ApplicationFactory(
        lesson=kept,
        project=made.new,
        applied_by=manager,
        applied_on=dt.date(2026, 2, 3),
        outcome="effective",
        hours_saved=Decimal("12.5"),
    )
    KickoffAssignment.objects.create(
        project=made.new, lesson=kept, assignee=made.author, assigned_by=manager, note="Present it"
    )


def backup_text(**kwargs) -> str:
    out = io.StringIO()
    backup.write_backup(out, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("keep_categories", [False, True], ids=["empty", "fresh-migrate"])
def test_a_backup_restores_every_field_of_every_object(tmp_path, world, keep_categories):
    before = snapshot()
    assert all(before[model._meta.label_lower] for model in MODELS), "the world lacks a model"
    path = tmp_path / "hindsight.jsonl"
    path.write_text(backup_text())

    wipe(keep_categories=keep_categories)
    if keep_categories:
        # A fresh database has the default categories: matched by slug, not duplicated.
        Category.objects.filter(slug="technical").update(description="")
    assert not Lesson.objects.exists() and not User.objects.exists()
    counts = backup.restore_backup(path)
    assert counts["lessons.lesson"] == len(before["lessons.lesson"])

    after = snapshot()
    anonymous = world["anonymous_draft"].pk
    for name, rows in before.items():
        if name == "lessons.lesson":
            # An anonymous draft comes back without its author (the backup never names one).
            for row in rows:
                if row["id"] == anonymous:
                    row["submitted_by_id"] = None
        assert after[name] == rows, name
    # Users come back without their passwords: they set a new one.
    assert not any(user.has_usable_password() for user in User.objects.all())
    # The search index is rebuilt, and new rows get new ids.
    found = search.matching(Lesson.objects.all(), "steering").values_list("pk", flat=True)
    assert list(found) == [world["anonymous"].pk]
    assert LessonFactory(project=Project.objects.first()).pk > max(
        r["id"] for r in before["lessons.lesson"]
    )


def test_the_backup_never_names_an_anonymous_author(world):
    text = backup_text()
    author = world["author"].pk
    anonymous = {world["anonymous"].pk, world["anonymous_draft"].pk}
    for line in text.splitlines()[1:-1]:
        record = json.loads(line)
        fields = record["fields"]
        if record["model"] == "lessons.lesson" and fields["id"] in anonymous:
            assert fields["submitted_by_id"] is None
        if record["model"] == "lessons.historicallesson" and fields["id"] in anonymous:
            assert fields["submitted_by_id"] is None
            assert fields["history_user_id"] != author
    assert '"password"' not in text


def test_the_backup_marks_itself_and_holds_the_history_relevant_fields(tmp_path, world):
    text = backup_text()
    header = json.loads(text.splitlines()[0])
    assert header["format"] == "hindsight-backup" and header["version"] == 1
    end = json.loads(text.splitlines()[-1])
    assert end["end"] and end["counts"]["lessons.lesson"] == Lesson.objects.count()
    lessons = {
        r["fields"]["title"]: r["fields"]
        for r in map(json.loads, text.splitlines()[1:-1])
        if r["model"] == "lessons.lesson"
    }
    kept = lessons["Suppliers need one owner"]
    for name in (
        "status",
        "published_at",
        "reviewed_by_id",
        "review_due",
        "version",
        "created_at",
        "updated_at",
        "view_count",
        "rating_count",
        "rating_avg",
        "external_id",
    ):
        assert kept[name] not in (None, ""), name
    assert kept["version"] > 1 and kept["rating_count"] == 3
    assert lessons["Owner for suppliers"]["merged_into_id"] == kept["id"]
    assert lessons["Supplier onboarding slipped again"]["recurrence_of_id"] == kept["id"]
    path = tmp_path / "b.jsonl"
    path.write_text(text)
    assert backup.is_backup_file(path)


def test_only_a_backup_is_recognised_as_one(tmp_path):
    for name, data in {
        "log.csv": b"Title,Lesson\nA,B\n",
        "log.json": b'{"format": "something else"}\n',
        "binary.bin": bytes(range(256)),
        "empty.jsonl": b"",
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert not backup.is_backup_file(path), name
    assert not backup.is_backup_file(tmp_path / "missing.jsonl")


def test_a_database_with_lessons_is_refused(tmp_path, world):
    path = tmp_path / "b.jsonl"
    path.write_text(backup_text())
    count = Lesson.objects.count()
    with pytest.raises(backup.BackupError, match="empty database"):
        backup.restore_backup(path)
    assert Lesson.objects.count() == count


def test_a_truncated_backup_restores_nothing(tmp_path, world):
    lines = backup_text().splitlines(keepends=True)
    wipe()
    path = tmp_path / "cut.jsonl"
    path.write_text("".join(lines[: len(lines) // 2]))
    with pytest.raises(backup.BackupError, match="incomplete"):
        backup.restore_backup(path)
    assert not Lesson.objects.exists() and not User.objects.exists()


def test_password_hashes_are_kept_only_when_asked(tmp_path, world):
    path = tmp_path / "b.jsonl"
    path.write_text(backup_text(include_passwords=True))
    hashes = dict(User.objects.values_list("username", "password"))
    wipe()
    backup.restore_backup(path)
    assert dict(User.objects.values_list("username", "password")) == hashes


def test_the_commands_write_and_restore_a_backup(tmp_path: Path, world):
    path = tmp_path / "hindsight-backup.jsonl"
    err = io.StringIO()
    call_command("export_lessons", "--output", str(path), stderr=err)
    assert "Backup written to" in err.getvalue()
    assert not list(tmp_path.glob("*.partial"))
    before = snapshot()
    out = io.StringIO()
    with pytest.raises(CommandError, match="empty database"):
        call_command("import_lessons", str(path), stdout=out)
    wipe()
    out = io.StringIO()
    call_command("import_lessons", str(path), stdout=out)
    assert "is a Hindsight backup" in out.getvalue()
    assert f"Restored {len(before['lessons.lesson'])} lessons" in out.getvalue()
    assert snapshot()["lessons.rating"] == before["lessons.rating"]
    with pytest.raises(CommandError, match="dry-run does not apply"):
        call_command("import_lessons", str(path), "--dry-run", stdout=io.StringIO())


def test_roles_a_restore_meets_are_reused_and_existing_accounts_kept(tmp_path, world):
    path = tmp_path / "b.jsonl"
    path.write_text(backup_text())
    roles = dict(Group.objects.values_list("name", "pk"))
    wipe()
    admin = UserFactory(username="adam", first_name="Restoring", role=ADMINISTRATOR)
    backup.restore_backup(path)
    assert dict(Group.objects.values_list("name", "pk")) == roles
    admin.refresh_from_db()
    assert admin.first_name == "Restoring"  # the account that restores is left as it is
    assert User.objects.filter(username="adam").count() == 1
    # Whatever the administrator's id, lessons they curated point at them.
    assert Lesson.objects.filter(reviewed_by__username="clara").exists()
