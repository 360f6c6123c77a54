"""The four roles (docs/architecture.md), as Django groups, and the permissions each holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

READER = "Reader"
CONTRIBUTOR = "Contributor"
CURATOR = "Curator"
ADMINISTRATOR = "Administrator"
ROLES = (READER, CONTRIBUTOR, CURATOR, ADMINISTRATOR)

# Model permissions ("app.codename") per role; each role also holds those of the roles before it
# where that makes sense (a curator can do what a contributor can, and so on).
_READER = {
    "lessons.view_lesson",
    "lessons.view_category",
    "lessons.add_rating",
    "lessons.change_rating",
    "lessons.delete_rating",
    "lessons.view_checklist",
    "projects.view_project",
    "projects.view_department",
    "projects.view_projecttype",
    "projects.view_phase",
}
_CONTRIBUTOR = _READER | {
    "lessons.add_lesson",
    "lessons.add_application",
    "lessons.add_action",
    "projects.view_phasereview",
}
_CURATOR = _CONTRIBUTOR | {
    "accounts.view_user",
    "lessons.change_lesson",
    "lessons.view_rating",
    "lessons.view_lessonviewday",
    "lessons.view_action",
    "lessons.change_action",
    "lessons.view_application",
    "lessons.change_application",
    "lessons.add_category",
    "lessons.change_category",
    "lessons.add_checklist",
    "lessons.change_checklist",
    "lessons.delete_checklist",
    "lessons.add_checklistitem",
    "lessons.change_checklistitem",
    "lessons.delete_checklistitem",
    "lessons.view_checklistitem",
    "taggit.view_tag",
    "taggit.add_tag",
    "taggit.change_tag",
    "taggit.delete_tag",
    "projects.change_phasereview",
}
_ADMINISTRATOR = _CURATOR | {
    "accounts.add_user",
    "accounts.change_user",
    "auth.view_group",
    "lessons.delete_lesson",
    "lessons.delete_category",
    "lessons.delete_action",
    "lessons.delete_application",
    "projects.add_project",
    "projects.change_project",
    "projects.add_department",
    "projects.change_department",
    "projects.add_projecttype",
    "projects.change_projecttype",
    "projects.add_phase",
    "projects.change_phase",
    "projects.delete_phase",
    "projects.add_membership",
    "projects.change_membership",
    "projects.delete_membership",
    "projects.view_membership",
    "projects.add_phasereview",
    "projects.delete_phasereview",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    READER: _READER,
    CONTRIBUTOR: _CONTRIBUTOR,
    CURATOR: _CURATOR,
    ADMINISTRATOR: _ADMINISTRATOR,
}


def sync_role_groups(group_model, permission_model) -> None:
    """Create the four role groups and give each exactly its permissions (idempotent).

    Takes the models as arguments so a data migration can pass its historical models.
    """
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for perm in sorted(perms):
            app_label, codename = perm.split(".")
            wanted.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def role_names(user: User | AnonymousUser) -> frozenset[str]:
    """The role names a user holds, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached |= {ADMINISTRATOR}
        user._role_names = cached
    return cached


def is_curator(user: User | AnonymousUser) -> bool:
    """Curators and Administrators (superusers included) see and curate every lesson."""
    return bool(role_names(user) & {CURATOR, ADMINISTRATOR})


def is_administrator(user: User | AnonymousUser) -> bool:
    return ADMINISTRATOR in role_names(user)


def is_contributor(user: User | AnonymousUser) -> bool:
    return bool(role_names(user) & {CONTRIBUTOR, CURATOR, ADMINISTRATOR})
