from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy, services, tokens
from accounts.filters import UserFilterSet
from accounts.forms import ApiTokenForm, UserCreateForm, UserEditForm
from accounts.models import User
from accounts.roles import ROLES
from lessons.models import Action, Lesson, Rating
from projects.models import Project


def profile(request: HttpRequest) -> HttpResponse:
    """My lessons in every status, my ratings, my actions, my projects, my API tokens."""
    return _profile_page(request, ApiTokenForm())


def _profile_page(request: HttpRequest, token_form: ApiTokenForm) -> HttpResponse:
    user = request.user
    visible = Lesson.objects.visible_to(user)
    return render(
        request,
        "accounts/profile.html",
        {
            "api_tokens": tokens.tokens_of(user),
            "token_form": token_form,
            # Anonymous lessons forgot their author on submission: they are not listed here.
            "my_lessons": visible.filter(submitted_by=user)
            .select_related("project", "category")
            .order_by("-updated_at"),
            "my_ratings": Rating.objects.filter(user=user, lesson__in=visible)
            .select_related("lesson")
            .order_by("-updated_at"),
            "my_actions": Action.objects.filter(owner=user, lesson__in=visible)
            .select_related("lesson")
            .order_by("status", "due_on"),
            "my_projects": Project.objects.with_member(user)
            .select_related("project_type")
            .order_by("-start_date"),
        },
    )


# -- personal API tokens --------------------------------------------------------------------------


@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its key, this once. The response is never cached."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = tokens.create_token(request.user, form.cleaned_data["name"])
        except tokens.TokenError as error:
            form.add_error("name", str(error))
        else:
            response = render(
                request, "accounts/api_token_created.html", {"token": token, "key": key}
            )
            add_never_cache_headers(response)
            return response
    return _profile_page(request, form)


@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then revoke one of my own tokens (anyone else's is 404)."""
    token = get_object_or_404(tokens.tokens_of(request.user), pk=pk)
    if request.method == "POST":
        tokens.revoke_token(token)
        messages.success(request, f"The token “{token.name}” was revoked: it no longer works.")
        return redirect(reverse("profile") + "#api-tokens")
    return render(request, "accounts/api_token_revoke.html", {"token": token})


# -- user administration (Administrators) ---------------------------------------------------------

USERS_PER_PAGE = 25


def _require_user_admin(request: HttpRequest) -> None:
    if not policy.can_manage_users(request.user):
        raise PermissionDenied("Only Administrators manage users.")


def user_list(request: HttpRequest) -> HttpResponse:
    """Everyone with an account: search, filter by role and status, pages of 25."""
    _require_user_admin(request)
    users = (
        User.objects.select_related("department")
        .prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=ROLES), to_attr="role_groups")
        )
        .order_by("first_name", "last_name", "username")
    )
    filterset = UserFilterSet(request.GET or None, queryset=users)
    filterset.is_valid()
    page = Paginator(filterset.qs, USERS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for account in page.object_list:
        held = {group.name for group in account.role_groups}
        account.role_list = [role for role in ROLES if role in held]
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "filterset": filterset,
            "form": filterset.form,
            "errors": filterset.form.errors if filterset.is_bound else {},
            "filtered": any(request.GET.get(name) for name in ("q", "role", "status")),
        },
    )


def user_create(request: HttpRequest) -> HttpResponse:
    _require_user_admin(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = services.create_user(
            form.save(commit=False), form.cleaned_data["roles"], password=form.password
        )
        if form.sets_password:
            messages.success(request, f"{account} was added and can sign in with that password.")
        else:
            _send(
                request,
                account,
                services.send_invitation,
                success=f"{account} was added and invited by e-mail at {account.email}.",
                failure=f"{account} was added, but the invitation was not sent. ",
            )
        return redirect("user_edit", account.pk)
    return render(request, "accounts/user_create.html", {"form": form})


def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_user_admin(request)
    account = get_object_or_404(User.objects.select_related("department"), pk=pk)
    form = UserEditForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(
                form.save(commit=False),
                fields=form.Meta.fields,
                roles=form.cleaned_data["roles"],
            )
        except services.LastAdministratorError as error:
            form.add_error("roles", str(error))
        else:
            messages.success(request, f"Changes to {account} were saved.")
            if account.pk == request.user.pk and not services.counts_as_administrator(account):
                messages.info(request, "You are no longer an Administrator.")
                return redirect("home")
            return redirect("user_edit", account.pk)
    if form.is_bound:
        # Validation wrote the typed values onto the instance; the page shows what is saved
        # (the form keeps what was typed).
        account.refresh_from_db()
    return render(
        request,
        "accounts/user_edit.html",
        {
            "account": account,
            "form": form,
            "is_self": account.pk == request.user.pk,
            "only_administrator": services.is_only_active_administrator(account),
            "lesson_count": Lesson.objects.filter(submitted_by=account, is_anonymous=False).count(),
        },
    )


@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_user_admin(request)
    account = get_object_or_404(User, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, f"Tick “Yes, deactivate {account}” to confirm. Nothing changed.")
        return redirect("user_edit", account.pk)
    try:
        services.deactivate_user(account)
    except services.UserAdminError as error:
        messages.error(request, str(error))
        return redirect("user_edit", account.pk)
    messages.success(
        request, f"{account} was deactivated. Their lessons stay attributed to them as before."
    )
    if account.pk == request.user.pk:
        logout(request)
        return redirect("login")
    return redirect("user_edit", account.pk)


@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_user_admin(request)
    account = get_object_or_404(User, pk=pk)
    services.reactivate_user(account)
    messages.success(request, f"{account} was reactivated and can sign in again.")
    return redirect("user_edit", account.pk)


@require_POST
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    _require_user_admin(request)
    account = get_object_or_404(User, pk=pk)
    if account.has_usable_password():
        success = f"A password reset link was sent to {account} at {account.email}."
        failure = "The password reset e-mail was not sent. "
    else:  # they never chose a password: the service sends an invitation
        success = f"An invitation to choose a password was sent to {account} at {account.email}."
        failure = "The invitation was not sent. "
    _send(request, account, services.send_password_reset, success=success, failure=failure)
    return redirect("user_edit", account.pk)


def _send(
    request: HttpRequest,
    account: User,
    send: Callable[..., None],
    *,
    success: str,
    failure: str,
) -> None:
    """Send one of the set-password e-mails and say how it went."""
    try:
        send(account, request=request, sent_by=request.user)
    except services.UserAdminError as error:
        messages.error(request, failure + str(error))
    else:
        messages.success(request, success)
