"""Project teams: the manager or an Administrator adds and removes members on the project page,
and project-only lessons follow membership at once."""

from __future__ import annotations

import pytest

from projects.models import Membership
from tests.factories import LessonFactory, MembershipFactory, UserFactory


@pytest.fixture
def manager(project_a):
    user = UserFactory(username="pm", first_name="Pat", last_name="Manager")
    MembershipFactory(project=project_a, user=user, role="manager")
    return user


@pytest.fixture
def secret(project_a):
    return LessonFactory(project=project_a, visibility="project", title="Team-only marker")


def add(client, project, user, role="member"):
    return client.post(f"/projects/{project.code}/members/", {"user": user.pk, "role": role})


def test_manager_adds_a_member_who_then_sees_project_lessons(
    client, manager, reader, project_a, secret
):
    client.force_login(reader)
    assert client.get(f"/lessons/{secret.pk}/").status_code == 404

    client.force_login(manager)
    response = add(client, project_a, reader)
    assert response.status_code == 302
    assert Membership.objects.filter(project=project_a, user=reader, role="member").exists()

    client.force_login(reader)
    assert client.get(f"/lessons/{secret.pk}/").status_code == 200


def test_removing_a_member_hides_project_lessons_at_once(
    client, manager, contributor, project_a, secret
):
    membership = Membership.objects.get(project=project_a, user=contributor)
    client.force_login(manager)
    client.post(f"/projects/{project_a.code}/members/{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    client.force_login(contributor)
    assert client.get(f"/lessons/{secret.pk}/").status_code == 404


def test_administrator_manages_any_team(client, administrator, reader, project_b):
    client.force_login(administrator)
    add(client, project_b, reader, role="manager")
    assert Membership.objects.get(project=project_b, user=reader).role == "manager"


@pytest.mark.parametrize("persona", ["reader", "contributor", "curator"])
def test_others_may_not_change_a_team(client, request, persona, project_a):
    user = request.getfixturevalue(persona)
    outsider = UserFactory(username="outsider")
    client.force_login(user)
    assert add(client, project_a, outsider).status_code == 403
    membership = MembershipFactory(project=project_a)
    response = client.post(f"/projects/{project_a.code}/members/{membership.pk}/remove/")
    assert response.status_code == 403
    assert not Membership.objects.filter(project=project_a, user=outsider).exists()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_adding_someone_twice_or_a_deactivated_user_gives_a_message(
    client, manager, contributor, deactivated, project_a
):
    client.force_login(manager)
    response = add(client, project_a, contributor)
    assert "Choose a person" in client.get(response["Location"]).content.decode()
    outsider = UserFactory(username="gone", is_active=False)
    add(client, project_a, outsider)
    assert not Membership.objects.filter(project=project_a, user=outsider).exists()


def test_project_page_shows_the_team_and_the_form_only_to_managers(
    client, manager, reader, project_a
):
    client.force_login(reader)
    page = client.get(f"/projects/{project_a.code}/").content.decode()
    assert "Pat Manager" in page and "Add to team" not in page
    client.force_login(manager)
    page = client.get(f"/projects/{project_a.code}/").content.decode()
    assert "Add to team" in page


def test_team_changes_need_post(client, manager, project_a):
    client.force_login(manager)
    assert client.get(f"/projects/{project_a.code}/members/").status_code == 405
