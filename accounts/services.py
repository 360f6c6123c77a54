"""User administration: roles, deactivation, invitations and password resets.

The rule that matters: the organisation never loses its last active Administrator. Changes
that could remove one (taking away the Administrator role, deactivating) first lock the
Administrator group row, so two administrators demoting each other at the same moment are
served one after the other and the second is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from smtplib import SMTPException
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template import loader

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CURATOR, ROLES

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)


class UserAdminError(Exception):
    """A user-administration change that was refused; the message says why and what to do."""


class LastAdministratorError(UserAdminError):
    def __init__(self, user: User, change: str) -> None:
        self.user = user
        super().__init__(
            f"{user} is the only active Administrator, so you cannot {change}. "
            "Give another person the Administrator role first."
        )


class EmailNotSentError(UserAdminError):
    pass


# -- who counts as an Administrator ------------------------------------------------------------


def _in_administrator_group() -> Exists:
    return Exists(
        User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=ADMINISTRATOR)
    )


def active_administrators() -> QuerySet[User]:
    """Active users who are Administrators, through the group or as superusers."""
    return User.objects.filter(Q(is_superuser=True) | Q(_in_administrator_group()), is_active=True)


def _lock_administrators() -> None:
    """Serialise changes that may remove an Administrator (see the module docstring)."""
    list(Group.objects.select_for_update().filter(name=ADMINISTRATOR).values_list("pk"))


def is_only_active_administrator(user: User) -> bool:
    """Whether this user is the one active Administrator the organisation has."""
    admins = list(active_administrators().values_list("pk", flat=True)[:2])
    return admins == [user.pk]


# -- roles ----------------------------------------------------------------------------------------


def role_names_of(user: User) -> list[str]:
    """The user's roles from the database, in the order of ``ROLES``."""
    held = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return [role for role in ROLES if role in held]


@transaction.atomic
def set_roles(user: User, roles: Iterable[str]) -> None:
    """Give the user exactly these roles (other groups are left alone).

    ``is_staff`` (access to the Django admin) follows the Curator and Administrator roles, as
    in the demo data; superusers keep it. Refused with ``LastAdministratorError`` when it
    would take the Administrator role from the only active Administrator.
    """
    wanted = set(roles)
    unknown = wanted - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {', '.join(sorted(unknown))}")
    if ADMINISTRATOR not in wanted and not user.is_superuser:
        _lock_administrators()
        if is_only_active_administrator(user):
            raise LastAdministratorError(user, "take away their Administrator role")

    held = {group.name: group for group in user.groups.filter(name__in=ROLES)}
    if stale := [group for name, group in held.items() if name not in wanted]:
        user.groups.remove(*stale)
    if missing := wanted - held.keys():
        user.groups.add(*Group.objects.filter(name__in=missing))

    is_staff = user.is_superuser or bool(wanted & {CURATOR, ADMINISTRATOR})
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    # roles.role_names() caches on the instance; this one now holds other roles.
    user.__dict__.pop("_role_names", None)


def counts_as_administrator(user: User) -> bool:
    """Whether the user is an active Administrator now, read from the database."""
    return active_administrators().filter(pk=user.pk).exists()


# -- creating, deactivating, reactivating ---------------------------------------------------------


@transaction.atomic
def create_user(user: User, roles: Iterable[str], password: str | None = None) -> User:
    """Save a new user with these roles.

    Without a password the account gets an unusable one: nobody can sign in with it until the
    person follows an invitation link and chooses their own.
    """
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    set_roles(user, roles)
    return user


@transaction.atomic
def update_user(user: User, *, fields: Iterable[str], roles: Iterable[str]) -> None:
    """Save the edited fields of the user and their roles together, or neither."""
    user.save(update_fields=list(fields))
    set_roles(user, roles)


@transaction.atomic
def deactivate_user(user: User) -> None:
    """The person can no longer sign in. Their lessons, ratings, actions and memberships stay,
    attributed to them as before; nothing else changes."""
    if not user.is_active:
        return
    _lock_administrators()
    if is_only_active_administrator(user):
        raise LastAdministratorError(user, "deactivate their account")
    user.is_active = False
    user.save(update_fields=["is_active"])


def reactivate_user(user: User) -> None:
    """The person can sign in again with their password and roles as before."""
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])


# -- e-mails with a set-password link ----------------------------------------------------------


class _OneUserPasswordResetForm(PasswordResetForm):
    """Django's password reset e-mail for one chosen user, whatever their e-mail matches.

    The link carries ``default_token_generator``'s token and leads to Django's
    ``password_reset_confirm`` view. Unlike the public form this also reaches a user without a
    usable password (an invitation), and a failure to send is raised rather than only logged,
    so the administrator is told.
    """

    def __init__(self, user: User) -> None:
        super().__init__()
        self.user = user
        self.cleaned_data = {"email": user.email}

    def get_users(self, email: str) -> Iterable[User]:
        return [self.user]

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        try:
            EmailMultiAlternatives(subject, body, from_email, [to_email]).send()
        except (SMTPException, OSError) as error:
            logger.exception("Could not send %s to user %s", email_template_name, self.user.pk)
            raise EmailNotSentError(
                f"The e-mail to {to_email} could not be sent ({error}). Try again later."
            ) from error


def _link_lifetime() -> str:
    seconds = settings.PASSWORD_RESET_TIMEOUT
    days, hours = seconds // 86400, seconds // 3600
    if days and seconds % 86400 == 0:
        return f"{days} day{'s' if days != 1 else ''}"
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{max(seconds // 60, 1)} minutes"


def _send_set_password_link(
    user: User, *, request: HttpRequest, sent_by: User, template: str
) -> None:
    if not user.is_active:
        raise UserAdminError(f"{user} is deactivated: reactivate the account first.")
    if not user.email:
        raise UserAdminError(f"{user} has no e-mail address: add one first.")
    _OneUserPasswordResetForm(user).save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name=f"accounts/email/{template}_subject.txt",
        email_template_name=f"accounts/email/{template}_body.txt",
        extra_email_context={
            "sent_by": sent_by,
            "site_name": "Hindsight",
            "link_lifetime": _link_lifetime(),
        },
    )


def send_invitation(user: User, *, request: HttpRequest, sent_by: User) -> None:
    """E-mail the person a link to choose their password and sign in for the first time."""
    _send_set_password_link(user, request=request, sent_by=sent_by, template="invitation")


def send_password_reset(user: User, *, request: HttpRequest, sent_by: User) -> None:
    """E-mail the person a link to choose a new password (their current one keeps working
    until they do). A person who never chose a password gets an invitation instead."""
    template = "invitation" if not user.has_usable_password() else "password_reset"
    _send_set_password_link(user, request=request, sent_by=sent_by, template=template)
