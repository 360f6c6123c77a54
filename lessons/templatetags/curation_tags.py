"""The top bar's count of lessons waiting for curators."""

from __future__ import annotations

from django import template

from lessons.models import Lesson

register = template.Library()


@register.simple_tag(takes_context=True)
def submitted_lesson_count(context: template.Context) -> int:
    """Submitted lessons the signed-in curator may see.

    Call it only for curators (base.html asks ``is_curator`` first), so other people's
    pages run no query for it; the curation pages pass the figure they already counted.
    """
    known = context.get("submitted_count")
    if known is not None:
        return known
    user = context["request"].user
    return Lesson.objects.visible_to(user).filter(status=Lesson.Status.SUBMITTED).count()
