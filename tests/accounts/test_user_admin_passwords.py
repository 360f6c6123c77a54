"""User administration: set-password e-mails, and the last active Administrator who stays."""

from __future__ import annotations

import re
from smtplib import SMTPException

from django.core import mail
from django.core.mail.backends import locmem

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CURATOR, READER
from tests.accounts.user_admin import (
    NEW_PASSWORD,
    PASSWORD,
    edit_data,
    new_user_data,
    page_messages,
    roles_of,
    sign_in,
)
from tests.factories import UserFactory


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
