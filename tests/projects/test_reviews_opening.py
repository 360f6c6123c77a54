"""Phase review sessions, opening and seeing them: the manager opens one from the project page,
and only the team, curators and administrators see its page (in a fixed number of queries)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import CONTRIBUTOR
from projects.models import PhaseReview
from tests.factories import LessonFactory, MembershipFactory, PhaseFactory, UserFactory
from tests.projects.sessions import text, url

# -- opening --------------------------------------------------------------------------------------


def test_manager_opens_a_session_with_today_and_themselves_as_defaults(
    client, manager, project_a, planning
):
    client.force_login(manager)
    form = client.get(f"/projects/{project_a.code}/reviews/new/")
    assert form.status_code == 200
    assert form.context["form"].initial["held_on"] == timezone.localdate()
    assert form.context["form"].initial["facilitator"] == manager.pk

    response = client.post(
        f"/projects/{project_a.code}/reviews/new/",
        {"phase": planning.pk, "held_on": "2026-03-12", "facilitator": manager.pk, "notes": "1h"},
    )
    review = PhaseReview.objects.get(project=project_a)
    assert response.status_code == 302
    assert response["Location"] == url(review)
    assert (review.status, review.phase, review.facilitator) == ("open", planning, manager)
    assert str(review.held_on) == "2026-03-12"
    assert "The session is open" in text(client.get(response["Location"]))


@pytest.mark.parametrize("persona", ["contributor", "reader", "curator"])
def test_only_the_manager_or_an_administrator_opens_sessions(
    client, request, db, persona, project_a, planning
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/projects/{project_a.code}/reviews/new/").status_code == 403
    response = client.post(
        f"/projects/{project_a.code}/reviews/new/",
        {"phase": planning.pk, "held_on": "2026-03-12"},
    )
    assert response.status_code == 403
    assert not PhaseReview.objects.exists()


def test_an_administrator_opens_a_session_for_any_project(client, administrator, project_b):
    client.force_login(administrator)
    response = client.post(
        f"/projects/{project_b.code}/reviews/new/",
        {"phase": "", "held_on": "2026-03-12", "facilitator": administrator.pk},
    )
    assert response.status_code == 302
    review = PhaseReview.objects.get(project=project_b)
    assert review.phase is None and review.status == "open"


def test_opening_with_bad_input_shows_errors_and_keeps_the_notes(
    client, manager, project_a, project_b
):
    other_phase = PhaseFactory(project=project_b, name="Execution")
    client.force_login(manager)
    response = client.post(
        f"/projects/{project_a.code}/reviews/new/",
        {"phase": other_phase.pk, "held_on": "not a date", "notes": "Bring the risk log"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phase", "held_on", "facilitator"}
    assert "Bring the risk log" in text(response)
    assert "Please check the form" in text(response)
    assert not PhaseReview.objects.exists()


def test_project_page_offers_sessions_to_the_team_and_opening_to_the_manager(
    client, manager, contributor, reader, session, project_a
):
    client.force_login(manager)
    page = text(client.get(f"/projects/{project_a.code}/"))
    assert "Open a review session" in page and url(session) in page
    assert "A review session is open" in page

    client.force_login(contributor)
    page = text(client.get(f"/projects/{project_a.code}/"))
    assert "Open a review session" not in page and url(session) in page

    client.force_login(reader)
    page = text(client.get(f"/projects/{project_a.code}/"))
    assert url(session) not in page and "Review sessions" not in page


# -- who sees the session page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("manager", 200),
        ("contributor", 200),
        ("curator", 200),
        ("administrator", 200),
        ("reader", 404),
        ("outsider", 404),
    ],
)
def test_the_team_curators_and_administrators_see_a_session_others_get_404(
    client, request, db, session, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(session)).status_code == status


def test_a_session_is_only_found_under_its_own_project(client, curator, session, project_b):
    client.force_login(curator)
    assert client.get(f"/projects/{project_b.code}/reviews/{session.pk}/").status_code == 404


def test_a_non_member_cannot_read_a_project_only_lesson_through_a_session(
    client, session, reader, contributor
):
    LessonFactory(
        project=session.project, review=session, visibility="project", title="Team-only marker"
    )
    client.force_login(contributor)
    assert "Team-only marker" in text(client.get(url(session)))
    client.force_login(reader)
    response = client.get(url(session))
    assert response.status_code == 404
    assert "Team-only marker" not in text(response)


# -- query counts ---------------------------------------------------------------------------------


def _session_page_queries(client, review) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(review)).status_code == 200
    return len(queries)


# Both: session, user, the session with its project, phase and facilitator, roles, the
# membership checks, the lesson count, the attendees, their own lessons with tags, others'
# lessons. The manager (3 membership checks): attendance already ticked and its choices,
# categories for the form; others' lessons are drafts they may not see, so no tags for them.
# The curator (4 checks: not on the team, so may-manage is asked too) sees others' drafts
# with their tags, gets no form, and the navigation counts the curation queue.
SESSION_PAGE_QUERIES = {"manager": 15, "curator": 15}


@pytest.mark.parametrize("persona", list(SESSION_PAGE_QUERIES))
def test_the_session_page_runs_a_fixed_number_of_queries(
    client, request, db, session, contributor, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    def grow(n: int) -> None:
        for i in range(n):
            member = UserFactory(role=CONTRIBUTOR)
            MembershipFactory(project=session.project, user=member)
            session.attendees.add(member)
            for author in (member, user):
                LessonFactory(
                    project=session.project,
                    review=session,
                    status="draft",
                    submitted_by=author,
                    tags=[f"tag-{i}", "shared"],
                )

    grow(2)
    small = _session_page_queries(client, session)
    grow(15)
    large = _session_page_queries(client, session)
    assert small == large == SESSION_PAGE_QUERIES[persona]
