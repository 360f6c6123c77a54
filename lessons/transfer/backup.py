"""A full backup of Hindsight's lessons and everything around them, and its restore.

``write_backup(stream)`` writes JSON lines (``python manage.py export_lessons``):

    {"format": "hindsight-backup", "version": 1, "created_at": "...", "sections": [...]}
    {"model": "projects.department", "fields": {"id": 1, "name": "Finance"}}
    ...
    {"end": true, "counts": {"projects.department": 5, ...}}

Sections come in dependency order: departments, project types, users (names, e-mail,
department, job title, flags, dates and roles; no password hashes unless asked for),
projects, phases, memberships, review sessions (with attendees), categories, tags, lessons
(every stored field but the search vector: status, published_at, reviewed_by, review_due,
version, created_at, updated_at, recurrence_of, merged_into, view and rating figures,
reference and fingerprint, with their tags), the lessons' edit history, ratings, view days,
checklists and their items (with the lessons they cite), actions, applications and kick-off
assignments. Every value is written as stored (ids included), through the same
``json_value`` as the JSON export. An anonymous lesson has no submitter in the backup, even
while it is a draft: the backup is read by administrators, who must not learn who wrote it.

``restore_backup(path)`` (``python manage.py import_lessons BACKUP``) loads it into a
database that holds no lessons, projects or checklists yet (a fresh ``migrate``), in one
transaction: everything or nothing. Ids are kept, so addresses such as /lessons/42/ still
work; rows that a fresh database already has (the default categories, role groups, the
administrator who restores) are matched by name and the references to them remapped. The
search index is rebuilt at the end. Restored users without a password hash sign in after a
password reset.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Prefetch
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from accounts.models import User
from lessons import search
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
from lessons.transfer import exports
from projects.models import (
    Department,
    KickoffAssignment,
    Membership,
    Phase,
    PhaseReview,
    Project,
    ProjectType,
)

FORMAT = "hindsight-backup"
VERSION = 1
BATCH_SIZE = 1000
MARKER_BYTES = 64 * 1024


class BackupError(Exception):
    """The backup cannot be restored here; the message says why, for the person."""


@dataclass
class Section:
    """One table of the backup: how to read it, which natural key matches existing rows."""

    name: str
    model: type[models.Model]
    queryset: Callable[[], models.QuerySet]
    exclude: tuple[str, ...] = ()
    natural_key: str | None = None
    # Extra lists stored with each row (many-to-many links, tags, roles).
    extras: dict[str, Callable[[Any], list]] = field(default_factory=dict)
    link: str | None = None  # a many-to-many relation kept as the extra of its name

    def fields(self) -> list[models.Field]:
        return [f for f in self.model._meta.concrete_fields if f.attname not in self.exclude]


def _linked(name: str, model: type[models.Model], relation: str) -> Section:
    """A section whose rows carry a many-to-many relation as the sorted ids of the other side."""
    related = model._meta.get_field(relation).related_model
    return Section(
        name,
        model,
        lambda: model.objects.prefetch_related(
            Prefetch(relation, queryset=related.objects.only("id"))
        ),
        extras={relation: lambda obj: sorted(other.pk for other in getattr(obj, relation).all())},
        link=relation,
    )


def _history_model() -> type[models.Model]:
    return Lesson.history.model


def _sections() -> list[Section]:
    history = _history_model()
    return [
        Section("projects.department", Department, Department.objects.all, natural_key="name"),
        Section("projects.projecttype", ProjectType, ProjectType.objects.all, natural_key="slug"),
        Section(
            "accounts.user",
            User,
            lambda: User.objects.prefetch_related("groups"),
            exclude=("password",),
            natural_key="username",
            extras={"roles": lambda user: sorted(group.name for group in user.groups.all())},
        ),
        Section("projects.project", Project, Project.objects.all),
        Section("projects.phase", Phase, Phase.objects.all),
        Section("projects.membership", Membership, Membership.objects.all),
        _linked("projects.phasereview", PhaseReview, "attendees"),
        Section("lessons.category", Category, Category.objects.all, natural_key="slug"),
        Section("taggit.tag", Tag, Tag.objects.all, natural_key="name"),
        Section(
            "lessons.lesson",
            Lesson,
            lambda: Lesson.objects.defer("search_vector").with_tag_list(),
            exclude=("search_vector",),
            extras={"tags": lambda lesson: sorted(tag.pk for tag in lesson.tag_list)},
        ),
        Section("lessons.historicallesson", history, history.objects.all),
        Section("lessons.rating", Rating, Rating.objects.all),
        Section("lessons.lessonviewday", LessonViewDay, LessonViewDay.objects.all),
        Section("lessons.checklist", Checklist, Checklist.objects.all),
        _linked("lessons.checklistitem", ChecklistItem, "source_lessons"),
        Section("lessons.action", Action, Action.objects.all),
        Section("lessons.application", Application, Application.objects.all),
        Section("projects.kickoffassignment", KickoffAssignment, KickoffAssignment.objects.all),
    ]


# -- writing ------------------------------------------------------------------------------------


def _anonymous(record: dict[str, Any], section: Section, anonymous_ids: set[int]) -> None:
    """No submitter for an anonymous lesson, in the lesson and in its history."""
    if section.name not in ("lessons.lesson", "lessons.historicallesson"):
        return
    if record["is_anonymous"] or record["id"] in anonymous_ids:
        record["submitted_by_id"] = None


def write_backup(stream: IO[str], *, include_passwords: bool = False) -> dict[str, int]:
    """Write the whole backup to a text stream; returns the number of rows per section."""
    sections = _sections()
    counts: dict[str, int] = {}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "sections": [section.name for section in sections],
        "passwords": include_passwords,
    }
    stream.write(json.dumps(header) + "\n")
    anonymous_ids = set(Lesson.objects.filter(is_anonymous=True).values_list("id", flat=True))
    for section in sections:
        fields = section.fields()
        if include_passwords and section.model is User:
            fields = list(User._meta.concrete_fields)
        count = 0
        for obj in exports.in_pk_chunks(section.queryset()):
            record = {f.attname: exports.json_value(getattr(obj, f.attname)) for f in fields}
            for name, extra in section.extras.items():
                record[name] = extra(obj)
            _anonymous(record, section, anonymous_ids)
            stream.write(json.dumps({"model": section.name, "fields": record}) + "\n")
            count += 1
        counts[section.name] = count
    stream.write(json.dumps({"end": True, "counts": counts}) + "\n")
    return counts


# -- recognising and restoring ----------------------------------------------------------------


def is_backup_file(path: str | Path) -> bool:
    """Whether the file starts with a Hindsight backup's header line."""
    try:
        with open(path, "rb") as handle:
            first = handle.readline(MARKER_BYTES)
        header = json.loads(first.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(header, dict) and header.get("format") == FORMAT


def _records(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except ValueError:
                raise BackupError(f"Line {number} of the backup is not valid JSON.") from None


@contextlib.contextmanager
def _timestamps_as_given(model_list: list[type[models.Model]]) -> Iterator[None]:
    """Let bulk inserts keep the stored times of auto_now / auto_now_add fields."""
    switched = []
    for model in model_list:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                switched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in switched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class _Restorer:
    def __init__(self, sections: list[Section]):
        self.sections = {section.name: section for section in sections}
        # Per model label, old id -> new id, for rows matched to existing ones or renumbered.
        self.id_maps: dict[str, dict[Any, Any]] = {}
        self.counts: dict[str, int] = {}
        self.pending: list[dict[str, Any]] = []
        self.pending_section: Section | None = None
        self.lesson_type = ContentType.objects.get_for_model(Lesson)
        self.groups: dict[str, int] = dict(Group.objects.values_list("name", "id"))

    # Each model's foreign keys whose target may have been remapped.
    def _remap(self, section: Section, record: dict[str, Any]) -> None:
        for f in section.fields():
            if f.is_relation and f.many_to_one and record.get(f.attname) is not None:
                mapping = self.id_maps.get(f.related_model._meta.label_lower)
                if mapping:
                    record[f.attname] = mapping.get(record[f.attname], record[f.attname])

    def add(self, section: Section, record: dict[str, Any]) -> None:
        if self.pending_section is not section:
            self.flush()
            self.pending_section = section
        self.pending.append(record)
        self.counts[section.name] = self.counts.get(section.name, 0) + 1
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        section, records = self.pending_section, self.pending
        self.pending = []
        if section is None or not records:
            return
        model = section.model
        extras = [{name: record.pop(name, []) for name in section.extras} for record in records]
        for record in records:
            self._remap(section, record)
        by_attname = {f.attname: f for f in section.fields()}
        if model is User and "password" in records[0]:
            by_attname["password"] = User._meta.get_field("password")
        instances = []
        for record in records:
            values = {}
            for name, value in record.items():
                f = by_attname.get(name)
                if f is None:
                    raise BackupError(f"The backup has an unknown field {section.name}.{name}.")
                values[name] = f.to_python(value) if value is not None else None
            instances.append(model(**values))
        if model is User:
            for instance, record in zip(instances, records, strict=True):
                if "password" not in record:
                    instance.password = make_password(None)  # unusable: reset to sign in
        old_ids = [instance.pk for instance in instances]
        new = self._match_existing(section, instances)
        model.objects.bulk_create(new, batch_size=BATCH_SIZE)
        label = model._meta.label_lower
        for old, instance in zip(old_ids, instances, strict=True):
            if instance.pk != old:
                self.id_maps.setdefault(label, {})[old] = instance.pk
        self._extras(section, instances, extras)

    def _match_existing(
        self, section: Section, instances: list[models.Model]
    ) -> list[models.Model]:
        """The rows to insert: those already in the database (by natural key) are reused
        instead, and the others keep their ids where free."""
        model = section.model
        taken = set(
            model.objects.filter(pk__in=[i.pk for i in instances]).values_list("pk", flat=True)
        )
        if section.natural_key is None:
            if taken:
                raise BackupError(
                    f"The database already has {model._meta.verbose_name_plural} with the "
                    "backup's ids: restore into an empty database."
                )
            return instances
        key = section.natural_key
        existing = dict(
            model.objects.filter(
                **{f"{key}__in": [getattr(i, key) for i in instances]}
            ).values_list(key, "pk")
        )
        new = []
        for instance in instances:
            found = existing.get(getattr(instance, key))
            if found is not None:
                if model is not User:
                    # The backup's wording wins (a default category described differently).
                    values = {
                        f.attname: getattr(instance, f.attname)
                        for f in section.fields()
                        if not f.primary_key
                    }
                    model.objects.filter(pk=found).update(**values)
                instance.pk = found
            else:
                if instance.pk in taken:
                    instance.pk = None  # renumbered; references follow through id_maps
                new.append(instance)
        return new

    def _extras(self, section: Section, instances: list[models.Model], extras: list[dict]) -> None:
        if section.model is User:
            through = User.groups.through
            links = []
            for user, extra in zip(instances, extras, strict=True):
                for name in extra.get("roles", []):
                    if name not in self.groups:
                        self.groups[name] = Group.objects.create(name=name).pk
                    links.append(through(user_id=user.pk, group_id=self.groups[name]))
            through.objects.bulk_create(links, ignore_conflicts=True)
        elif section.link:
            self._links(section.model._meta.get_field(section.link), instances, extras)
        elif section.model is Lesson:
            tag_map = self.id_maps.get("taggit.tag", {})
            TaggedItem.objects.bulk_create(
                [
                    TaggedItem(
                        content_type=self.lesson_type,
                        object_id=lesson.pk,
                        tag_id=tag_map.get(tag_id, tag_id),
                    )
                    for lesson, extra in zip(instances, extras, strict=True)
                    for tag_id in extra.get("tags", [])
                ],
                batch_size=BATCH_SIZE,
            )

    def _links(
        self, relation: models.ManyToManyField, instances: list[models.Model], extras: list[dict]
    ) -> None:
        """The rows of a many-to-many relation, the other side's ids remapped."""
        through = relation.remote_field.through
        own = through._meta.get_field(relation.m2m_field_name()).attname
        other = through._meta.get_field(relation.m2m_reverse_field_name()).attname
        mapping = self.id_maps.get(relation.related_model._meta.label_lower, {})
        through.objects.bulk_create(
            [
                through(**{own: obj.pk, other: mapping.get(pk, pk)})
                for obj, extra in zip(instances, extras, strict=True)
                for pk in extra.get(relation.name, [])
            ],
            batch_size=BATCH_SIZE,
        )


def _refuse_unless_empty() -> None:
    held = [
        f"{model.objects.count():,} {model._meta.verbose_name_plural}"
        for model in (Lesson, Project, Checklist)
        if model.objects.exists()
    ]
    if held:
        raise BackupError(
            "A backup is restored into an empty database, and this one already holds "
            f"{', '.join(held)}. Create a new database, run `python manage.py migrate`, then "
            "restore."
        )


def restore_backup(path: str | Path, stdout: IO[str] | None = None) -> dict[str, int]:
    """Load a backup into an empty database, in one transaction; rows restored per section."""
    sections = _sections()
    by_name = {section.name: section for section in sections}
    models_restored = [section.model for section in sections]
    with transaction.atomic(), _timestamps_as_given(models_restored):
        _refuse_unless_empty()
        restorer = _Restorer(sections)
        records = _records(path)
        try:
            _, header = next(records)
        except StopIteration:
            raise BackupError("The backup is empty.") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise BackupError("This is not a Hindsight backup.")
        if int(header.get("version", 0)) > VERSION:
            raise BackupError(
                f"This backup was written by a newer Hindsight (format {header['version']})."
            )
        end = None
        for number, record in records:
            if end is not None:
                raise BackupError(f"Line {number} comes after the end of the backup.")
            if record.get("end"):
                end = record
                continue
            section = by_name.get(record.get("model"))
            if section is None:
                raise BackupError(f"Line {number}: unknown kind of row {record.get('model')!r}.")
            restorer.add(section, dict(record["fields"]))
        restorer.flush()
        if end is None:
            raise BackupError(
                "The backup is incomplete (its last line is missing): nothing was restored."
            )
        expected = {name: n for name, n in end.get("counts", {}).items() if n}
        if expected != restorer.counts:
            raise BackupError(
                "The backup's rows do not add up to its own counts: nothing was restored."
            )
        _reset_sequences([*models_restored, Tag, TaggedItem])
        search.index_lessons(None)
    if stdout is not None:
        for name, count in restorer.counts.items():
            stdout.write(f"  {name}: {count}\n")
    return restorer.counts


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    """After inserts with explicit ids, the next new row must get a higher id (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
