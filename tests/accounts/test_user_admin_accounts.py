"""User administration: adding people (with a password or an invitation), editing them and
their roles, deactivating and reactivating them."""

from __future__ import annotations

import re

from django.core import mail

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR, READER
from lessons.models import Lesson
from tests.accounts.user_admin import (
    NEW_PASSWORD,
    PASSWORD,
    edit_data,
    new_user_data,
    page_messages,
    roles_of,
    sign_in,
)
from tests.factories import LessonFactory, UserFactory


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
