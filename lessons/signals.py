"""Keep the full-text index in step with every write to lessons and their tags."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from taggit.models import Tag, TaggedItem

from lessons import search
from lessons.models import Lesson


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


@receiver(pre_delete, sender=Tag)
def remember_lessons_of_deleted_tag(sender, instance: Tag, **kwargs) -> None:
    # The tagged items go with the tag (cascade, no m2m signal): note whom to reindex.
    instance._lessons_to_reindex = _lessons_tagged(instance)


@receiver(post_delete, sender=Tag)
def index_lessons_of_deleted_tag(sender, instance: Tag, **kwargs) -> None:
    search.index_lessons(getattr(instance, "_lessons_to_reindex", []))
