"""Changes to project teams; membership decides who sees project-only lessons."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from projects.models import Membership, Project


class MembershipError(ValueError):
    pass


@transaction.atomic
def add_member(project: Project, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    if not user.is_active:
        raise MembershipError(f"{user} is deactivated and cannot join a project.")
    try:
        with transaction.atomic():
            return Membership.objects.create(project=project, user=user, role=role)
    except IntegrityError:
        raise MembershipError(f"{user} is already a member of {project.code}.") from None


@transaction.atomic
def remove_member(membership: Membership) -> None:
    membership.delete()
