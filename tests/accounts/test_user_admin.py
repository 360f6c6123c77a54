"""User administration pages: only Administrators reach them; the list, its search and filters.

Adding, editing and deactivating people: test_user_admin_accounts.py; set-password e-mails
and the last active Administrator: test_user_admin_passwords.py."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR, READER
from tests.accounts.user_admin import new_user_data, roles_of
from tests.factories import DepartmentFactory, UserFactory

# -- access -----------------------------------------------------------------------------------


def every_page_and_action(target: User) -> list[tuple[str, str]]:
    return [
        ("get", "/accounts/users/"),
        ("get", "/accounts/users/new/"),
        ("post", "/accounts/users/new/"),
        ("get", f"/accounts/users/{target.pk}/"),
        ("post", f"/accounts/users/{target.pk}/"),
        ("post", f"/accounts/users/{target.pk}/deactivate/"),
        ("post", f"/accounts/users/{target.pk}/reactivate/"),
        ("post", f"/accounts/users/{target.pk}/password-reset/"),
    ]


@pytest.mark.parametrize("persona", ["reader", "contributor", "curator"])
def test_non_administrators_get_403_on_every_page_and_action(db, client, request, persona):
    user = request.getfixturevalue(persona)
    target = UserFactory(username="target", role=READER)
    client.force_login(user)
    for method, url in every_page_and_action(target):
        data = {"confirm": "yes", **new_user_data(roles=[ADMINISTRATOR])}
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 403, (method, url)
    target.refresh_from_db()
    assert target.is_active and roles_of(target) == {READER}
    assert not User.objects.filter(username="nina").exists()
    assert mail.outbox == []


def test_signed_out_visitors_are_sent_to_sign_in(client, reader):
    for method, url in every_page_and_action(reader):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


def test_only_administrators_see_the_users_link(client, curator, administrator):
    client.force_login(curator)
    assert 'href="/accounts/users/"' not in client.get("/").content.decode()
    client.force_login(administrator)
    assert 'href="/accounts/users/"' in client.get("/").content.decode()


def test_pages_carry_no_inline_script_or_style(client, administrator, reader):
    """The Content Security Policy blocks inline script and style attributes."""
    client.force_login(administrator)
    for url in ("/accounts/users/", "/accounts/users/new/", f"/accounts/users/{reader.pk}/"):
        page = client.get(url).content.decode()
        assert "<script" not in page and "style=" not in page, url


# -- list and search --------------------------------------------------------------------------


def listed(client, query: str = "") -> str:
    response = client.get(f"/accounts/users/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_list_shows_everyone_with_roles_and_status(client, administrator, people):
    client.force_login(administrator)
    page = listed(client)
    for name in ("Rita Reader", "Colin Contributor", "Clara Curator", "Sue Super", "Dave Departed"):
        assert name in page
    assert "Deactivated" in page and "Superuser" in page


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("rita", "Rita Reader", "Colin Contributor"),  # first name, any case
        ("reader rita", "Rita Reader", "Clara Curator"),  # every word, any order
        ("colin", "Colin Contributor", "Rita Reader"),  # username
        ("clara@example", "Clara Curator", "Rita Reader"),  # e-mail
        ("procure", "Rita Reader", "Colin Contributor"),  # department
    ],
)
def test_search_finds_by_name_username_email_and_department(
    client, administrator, people, query, found, not_found
):
    client.force_login(administrator)
    page = listed(client, f"?q={query}")
    assert found in page and not_found not in page
    assert f'value="{query}"' in page  # the search stays in the box


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?role=Curator", {"Clara Curator"}),
        ("?role=Administrator", {"Adam Administrator", "Sue Super"}),  # superusers count
        ("?role=Contributor&status=active", {"Colin Contributor"}),
        ("?status=deactivated", {"Dave Departed"}),
    ],
)
def test_role_and_status_filters(client, administrator, people, query, expected):
    everyone = {"Rita Reader", "Colin Contributor", "Clara Curator", "Adam Administrator"}
    everyone |= {"Sue Super", "Dave Departed"}
    client.force_login(administrator)
    page = listed(client, query)
    for name in everyone:
        in_table = re.search(rf'href="/accounts/users/\d+/">{name}</a>', page) is not None
        assert in_table is (name in expected), name


def test_bad_filter_values_are_reported_not_a_server_error(client, administrator, people):
    client.force_login(administrator)
    page = listed(client, "?role=Emperor&page=zzz")
    assert "could not be used" in page and "Rita Reader" in page


def test_pages_keep_the_search(client, administrator):
    for n in range(30):
        UserFactory(username=f"temp{n:02}", first_name="Temp", last_name=f"Worker {n:02}")
    client.force_login(administrator)
    page = listed(client, "?q=temp")
    assert "30 matching accounts" in page
    assert 'href="?q=temp&amp;page=2"' in page
    second = listed(client, "?q=temp&page=2")
    assert "Temp Worker 29" in second and "Temp Worker 00" not in second


@pytest.mark.parametrize("extra_users", [3, 60])
def test_user_list_runs_a_fixed_number_of_queries(
    client, administrator, extra_users, django_assert_max_num_queries
):
    department = DepartmentFactory(name="Engineering")
    roles = [READER, CONTRIBUTOR, CURATOR]
    for n in range(extra_users):
        user = UserFactory(role=roles[n % 3], department=department)
        user.groups.add(Group.objects.get(name=READER))
    client.force_login(administrator)
    # session, signed-in user, their roles, the top bar's count of submitted lessons, count,
    # the page of users with departments, the page's role groups
    with django_assert_max_num_queries(7):
        assert client.get("/accounts/users/?q=e").status_code == 200
