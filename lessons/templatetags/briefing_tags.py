"""Template tags of kick-off briefings and checklists, for pages whose views are shared."""

from __future__ import annotations

from django import template
from django.utils import timezone

from lessons import briefing

register = template.Library()


@register.simple_tag
def checklist_items_from(lesson):
    """The checklist items citing ``lesson`` (one query)."""
    return briefing.checklist_items_from(lesson)


@register.simple_tag
def current_phase(project):
    """The project's phase under way today by its dates, or None (one query)."""
    return briefing.current_phase(project, timezone.localdate())
