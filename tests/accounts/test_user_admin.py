"""User administration pages: Administrators list, add, edit, deactivate and reactivate people,
assign roles and send set-password e-mails; the last active Administrator stays."""

from __future__ import annotations

import re
from smtplib import SMTPException

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends import locmem

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR, READER
from lessons.models import Lesson
from tests.factories import DepartmentFactory, LessonFactory, UserFactory

PASSWORD = "correct-horse-battery"  # UserFactory's
NEW_PASSWORD = "Quiet-Harbour-Lantern-42"


def roles_of(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def sign_in(client, username: str, password: str) -> bool:
    """Sign in through the real sign-in page, as a person would."""
    client.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def new_user_data(**overrides) -> dict:
    data = {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Newcomer",
        "email": "nina@example.org",
        "department": "",
        "job_title": "Site engineer",
        "roles": [CONTRIBUTOR],
        "sign_in": "invite",
        "password1": "",
        "password2": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def second_administrator(db):
    return UserFactory(username="ada", first_name="Ada", last_name="Second", role=ADMINISTRATOR)


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


@pytest.fixture
def people(db, reader, contributor, curator, administrator, deactivated):
    reader.department = DepartmentFactory(name="Procurement")
    reader.save()
    deactivated.first_name, deactivated.last_name = "Dave", "Departed"
    deactivated.save()
    superuser = UserFactory(username="root", first_name="Sue", last_name="Super")
    superuser.is_superuser = True
    superuser.save()
    return {"superuser": superuser}


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


# -- creating ---------------------------------------------------------------------------------


def test_creating_a_user_with_a_password_lets_them_sign_in(client, administrator):
    client.force_login(administrator)
    response = client.post(
        "/accounts/users/new/",
        new_user_data(sign_in="password", password1=NEW_PASSWORD, password2=NEW_PASSWORD),
        follow=True,
    )
    nina = User.objects.get(username="nina")
    assert "Nina Newcomer was added and can sign in with that password." in page_messages(response)
    assert roles_of(nina) == {CONTRIBUTOR} and nina.job_title == "Site engineer"
    assert mail.outbox == []
    client.logout()
    assert sign_in(client, "nina", NEW_PASSWORD)


def test_an_invitation_sends_one_email_whose_link_sets_a_password(client, administrator):
    client.force_login(administrator)
    response = client.post("/accounts/users/new/", new_user_data(), follow=True)
    nina = User.objects.get(username="nina")
    assert not nina.has_usable_password()  # nobody signs in before she chooses one
    assert "Nina Newcomer was added and invited by e-mail at nina@example.org." in (
        page_messages(response)
    )
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["nina@example.org"]
    assert email.subject == "Adam Administrator invited you to Hindsight"
    assert "Adam Administrator has given you an account" in email.body
    assert "http://testserver/" in email.body and "expires in 3 days" in email.body
    assert "Your username is: nina" in email.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", email.body).group(1)

    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    nina.refresh_from_db()
    assert nina.has_usable_password()
    assert sign_in(client, "nina", NEW_PASSWORD)


def test_creating_refuses_bad_input_and_keeps_what_was_typed(client, administrator):
    UserFactory(username="Nina", email="taken@example.org")
    client.force_login(administrator)
    response = client.post(
        "/accounts/users/new/",
        new_user_data(
            username="nina",  # differs only in case from an existing username
            first_name="",
            email="taken@example.org",
            job_title="Typed title marker",
            roles=[CURATOR, ADMINISTRATOR],
            sign_in="password",
            password1="password",
            password2="password",
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"username", "first_name", "email", "password2"}
    page = response.content.decode()
    assert "error-summary" in page and 'href="#id_username"' in page
    assert "Someone already has this username." in page
    assert "This password is too common." in page
    assert 'value="Typed title marker"' in page and 'value="taken@example.org"' in page
    assert re.search(r'value="Curator"[^>]*checked', page)
    assert re.search(r'value="Administrator"[^>]*checked', page)
    assert re.search(r'value="password"[^>]*checked', page)
    assert User.objects.filter(username__iexact="nina").count() == 1
    assert mail.outbox == []


def test_a_password_now_needs_both_fields_and_matching_values(client, administrator):
    client.force_login(administrator)
    missing = client.post("/accounts/users/new/", new_user_data(sign_in="password"))
    assert set(missing.context["form"].errors) == {"password1", "password2"}
    mismatched = client.post(
        "/accounts/users/new/",
        new_user_data(sign_in="password", password1=NEW_PASSWORD, password2=NEW_PASSWORD + "x"),
    )
    assert set(mismatched.context["form"].errors) == {"password2"}
    # A password similar to the person's own details is refused by Django's validators.
    similar = client.post(
        "/accounts/users/new/",
        new_user_data(sign_in="password", password1="ninanewcomer", password2="ninanewcomer"),
    )
    assert "too similar" in str(similar.context["form"].errors["password2"])
    assert not User.objects.filter(username="nina").exists()


# -- editing and roles ------------------------------------------------------------------------


def edit_data(user: User, **overrides) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "department": user.department_id or "",
        "job_title": user.job_title,
        "roles": sorted(roles_of(user)),
    }
    data.update(overrides)
    return data


def test_assigning_roles_changes_groups(client, administrator, reader):
    client.force_login(administrator)
    page = client.get(f"/accounts/users/{reader.pk}/").content.decode()
    assert re.search(r'value="Reader"[^>]*checked', page)

    response = client.post(
        f"/accounts/users/{reader.pk}/",
        edit_data(reader, roles=[CONTRIBUTOR, CURATOR], job_title="Planner"),
        follow=True,
    )
    assert "Changes to Rita Reader were saved." in page_messages(response)
    reader.refresh_from_db()
    assert roles_of(reader) == {CONTRIBUTOR, CURATOR}
    assert reader.job_title == "Planner"
    assert reader.is_staff  # curators reach the Django admin, as in the demo data

    client.post(f"/accounts/users/{reader.pk}/", edit_data(reader, roles=[READER]))
    reader.refresh_from_db()
    assert roles_of(reader) == {READER} and not reader.is_staff


def test_editing_refuses_bad_input_and_keeps_what_was_typed(client, administrator, reader):
    client.force_login(administrator)
    response = client.post(
        f"/accounts/users/{reader.pk}/",
        edit_data(reader, email="not-an-address", job_title="Typed marker", roles=[CURATOR]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert 'value="Typed marker"' in page and 'value="not-an-address"' in page
    assert re.search(r'value="Curator"[^>]*checked', page)
    reader.refresh_from_db()
    assert reader.job_title == "" and roles_of(reader) == {READER}


def test_unknown_users_are_404(client, administrator):
    client.force_login(administrator)
    assert client.get("/accounts/users/99999/").status_code == 404
    assert client.post("/accounts/users/99999/deactivate/", {"confirm": "yes"}).status_code == 404


# -- deactivating and reactivating ------------------------------------------------------------


def test_deactivating_keeps_their_lessons_and_blocks_sign_in(client, administrator, contributor):
    lessons = [
        LessonFactory(submitted_by=contributor, status=status)
        for status in ("draft", "submitted", "published")
    ]
    before = {lesson.pk: (lesson.updated_at, lesson.history.count()) for lesson in lessons}
    client.force_login(administrator)

    response = client.post(
        f"/accounts/users/{contributor.pk}/deactivate/", {"confirm": "yes"}, follow=True
    )

    assert (
        "Colin Contributor was deactivated. Their lessons stay attributed to them as before."
        in page_messages(response)
    )
    contributor.refresh_from_db()
    assert not contributor.is_active
    for lesson in Lesson.objects.filter(pk__in=before):
        assert lesson.submitted_by_id == contributor.pk
        assert (lesson.updated_at, lesson.history.count()) == before[lesson.pk]
    client.logout()
    assert not sign_in(client, "colin", PASSWORD)


def test_deactivating_needs_the_confirmation_box(client, administrator, reader):
    client.force_login(administrator)
    response = client.post(f"/accounts/users/{reader.pk}/deactivate/", follow=True)
    assert "Tick “Yes, deactivate Rita Reader” to confirm. Nothing changed." in (
        page_messages(response)
    )
    reader.refresh_from_db()
    assert reader.is_active


def test_deactivate_and_friends_are_post_only(client, administrator, reader):
    client.force_login(administrator)
    for action in ("deactivate", "reactivate", "password-reset"):
        assert client.get(f"/accounts/users/{reader.pk}/{action}/").status_code == 405


def test_reactivating_lets_them_sign_in_again(client, administrator, deactivated):
    client.force_login(administrator)
    response = client.post(f"/accounts/users/{deactivated.pk}/reactivate/", follow=True)
    assert f"{deactivated} was reactivated and can sign in again." in page_messages(response)
    deactivated.refresh_from_db()
    assert deactivated.is_active
    client.logout()
    assert sign_in(client, "dave", PASSWORD)


# -- password reset e-mails -------------------------------------------------------------------


def test_sending_a_password_reset_emails_a_working_link(client, administrator, reader):
    client.force_login(administrator)
    response = client.post(f"/accounts/users/{reader.pk}/password-reset/", follow=True)
    assert "A password reset link was sent to Rita Reader at rita@example.org." in (
        page_messages(response)
    )
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["rita@example.org"]
    assert email.subject == "Choose a new password for Hindsight"
    assert "Adam Administrator, an administrator of Hindsight" in email.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", email.body).group(1)
    reader.refresh_from_db()
    assert reader.check_password(PASSWORD)  # the old password works until a new one is set

    client.logout()
    form_page = client.get(link, follow=True)
    client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert not sign_in(client, "rita", PASSWORD)
    assert sign_in(client, "rita", NEW_PASSWORD)


def test_someone_who_never_chose_a_password_gets_an_invitation(client, administrator):
    invited = UserFactory(username="ivy", first_name="Ivy", last_name="Invited")
    invited.set_unusable_password()
    invited.save()
    client.force_login(administrator)
    page = client.get(f"/accounts/users/{invited.pk}/").content.decode()
    assert "Send an invitation" in page
    response = client.post(f"/accounts/users/{invited.pk}/password-reset/", follow=True)
    assert "An invitation to choose a password was sent to Ivy Invited at ivy@example.org." in (
        page_messages(response)
    )
    assert [email.subject for email in mail.outbox] == [
        "Adam Administrator invited you to Hindsight"
    ]


def test_no_password_reset_for_a_deactivated_account(client, administrator, deactivated):
    client.force_login(administrator)
    response = client.post(f"/accounts/users/{deactivated.pk}/password-reset/", follow=True)
    assert any("reactivate the account first" in message for message in page_messages(response))
    assert mail.outbox == []


# -- the last active Administrator ------------------------------------------------------------


def test_the_last_administrator_cannot_remove_their_own_role(client, administrator):
    client.force_login(administrator)
    response = client.post(
        f"/accounts/users/{administrator.pk}/",
        edit_data(administrator, roles=[CURATOR], job_title="Changed"),
    )
    assert response.status_code == 200
    assert (
        "Adam Administrator is the only active Administrator, so you cannot take away their "
        "Administrator role. Give another person the Administrator role first."
    ) in response.content.decode()
    administrator.refresh_from_db()
    assert roles_of(administrator) == {ADMINISTRATOR} and administrator.job_title == ""


def test_the_last_administrator_cannot_deactivate_themselves(client, administrator):
    client.force_login(administrator)
    page = client.get(f"/accounts/users/{administrator.pk}/").content.decode()
    assert "You are the only active Administrator." in page
    response = client.post(
        f"/accounts/users/{administrator.pk}/deactivate/", {"confirm": "yes"}, follow=True
    )
    assert (
        "Adam Administrator is the only active Administrator, so you cannot deactivate their "
        "account. Give another person the Administrator role first."
    ) in page_messages(response)
    administrator.refresh_from_db()
    assert administrator.is_active


def test_a_deactivated_administrator_does_not_count(client, administrator):
    UserFactory(username="gone", role=ADMINISTRATOR, is_active=False)
    client.force_login(administrator)
    client.post(f"/accounts/users/{administrator.pk}/deactivate/", {"confirm": "yes"})
    administrator.refresh_from_db()
    assert administrator.is_active


def test_with_a_second_administrator_one_may_drop_their_own_role(
    client, administrator, second_administrator
):
    client.force_login(administrator)
    response = client.post(
        f"/accounts/users/{administrator.pk}/", edit_data(administrator, roles=[CURATOR])
    )
    assert response.status_code == 302 and response.url == "/"
    assert roles_of(administrator) == {CURATOR}
    # ... and the pages are closed to them at once.
    assert client.get("/accounts/users/").status_code == 403


def test_a_superuser_counts_as_the_other_administrator(client, administrator):
    UserFactory(username="root", is_superuser=True)
    client.force_login(administrator)
    client.post(f"/accounts/users/{administrator.pk}/", edit_data(administrator, roles=[READER]))
    assert roles_of(administrator) == {READER}


def test_with_a_second_administrator_one_may_deactivate_themselves(
    client, administrator, second_administrator
):
    client.force_login(administrator)
    response = client.post(
        f"/accounts/users/{administrator.pk}/deactivate/", {"confirm": "yes"}, follow=True
    )
    administrator.refresh_from_db()
    assert not administrator.is_active
    assert response.request["PATH_INFO"] == "/accounts/login/"  # signed out at once
    # The other administrator is now the last one and is protected in turn.
    client.force_login(second_administrator)
    client.post(f"/accounts/users/{second_administrator.pk}/deactivate/", {"confirm": "yes"})
    second_administrator.refresh_from_db()
    assert second_administrator.is_active


def test_an_invitation_that_cannot_be_sent_is_reported_and_the_user_kept(
    client, administrator, monkeypatch
):
    def refuse(self, messages):
        raise SMTPException("Connection refused")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    client.force_login(administrator)
    response = client.post("/accounts/users/new/", new_user_data(), follow=True)
    assert response.status_code == 200
    assert (
        "Nina Newcomer was added, but the invitation was not sent. The e-mail to "
        "nina@example.org could not be sent (Connection refused). Try again later."
    ) in page_messages(response)
    assert "Send an invitation" in response.content.decode()
    assert User.objects.filter(username="nina", is_active=True).exists()
