"""Keep the full-text index in step with every write to lessons and their tags, and to the
category, project and phase names the index holds."""

from __future__ import annotations

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from taggit.models import Tag, TaggedItem

from lessons import search
from lessons.models import Category, Lesson
from projects.models import Phase, Project


@receiver(post_save, sender=Lesson)
def index_saved_lesson(sender, instance: Lesson, raw: bool = False, **kwargs) -> None:
    search.index_lessons([instance.pk])


@receiver(post_delete, sender=Lesson)
def unindex_deleted_lesson(sender, instance: Lesson, **kwargs) -> None:
    search.unindex_lessons([instance.pk])


@receiver(m2m_changed, sender=TaggedItem)
def index_retagged_lesson(sender, instance, action: str, **kwargs) -> None:
    if isinstance(instance, Lesson) and action in {"post_add", "post_remove", "post_clear"}:
        search.index_lessons([instance.pk])


def _lessons_tagged(tag: Tag) -> list[int]:
    return list(
        TaggedItem.objects.filter(
            tag=tag, content_type__app_label="lessons", content_type__model="lesson"
        ).values_list("object_id", flat=True)
    )


@receiver(post_save, sender=Tag)
def index_lessons_of_renamed_tag(sender, instance: Tag, created: bool, **kwargs) -> None:
    if not created:
        search.index_lessons(_lessons_tagged(instance))


# -- names of other rows the index holds -----------------------------------------------------

# The fields of each model the index holds, and the lookup from a lesson to such a row.
INDEXED_NAMES: dict[type[models.Model], tuple[tuple[str, ...], str]] = {
    Category: (("name",), "category"),
    Project: (("name", "code"), "project"),
    Phase: (("name",), "phase"),
}


def _lessons_of(instance: models.Model) -> list[int]:
    lookup = INDEXED_NAMES[type(instance)][1]
    return list(Lesson.objects.filter(**{lookup: instance}).values_list("pk", flat=True))


def note_renaming(sender, instance: models.Model, update_fields=None, **kwargs) -> None:
    """Before a save: will it change a name the index holds? (One query, for a saved row.)"""
    fields = INDEXED_NAMES[sender][0]
    instance._renamed_for_search = False
    if instance.pk is None or (update_fields is not None and not set(fields) & set(update_fields)):
        return
    before = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
    instance._renamed_for_search = before is not None and any(
        before[name] != getattr(instance, name) for name in fields
    )


def index_lessons_of_renamed(sender, instance: models.Model, **kwargs) -> None:
    if getattr(instance, "_renamed_for_search", False):
        search.index_lessons(_lessons_of(instance))


for _model in INDEXED_NAMES:
    pre_save.connect(note_renaming, sender=_model)
    post_save.connect(index_lessons_of_renamed, sender=_model)


# -- deletions that change lessons without a signal of their own -----------------------------

# A tag's items go with it (cascade, no m2m signal); a phase's lessons lose it in a bulk update
# (SET_NULL). Before the deletion, note whom to reindex after it.
LESSONS_OF_DELETED = {Tag: _lessons_tagged, Phase: _lessons_of}


def remember_lessons_of_deleted(sender, instance: models.Model, **kwargs) -> None:
    instance._lessons_to_reindex = LESSONS_OF_DELETED[sender](instance)


def index_lessons_of_deleted(sender, instance: models.Model, **kwargs) -> None:
    search.index_lessons(getattr(instance, "_lessons_to_reindex", []))


for _model in LESSONS_OF_DELETED:
    pre_delete.connect(remember_lessons_of_deleted, sender=_model)
    post_delete.connect(index_lessons_of_deleted, sender=_model)
