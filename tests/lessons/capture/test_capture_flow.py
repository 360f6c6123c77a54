"""A lesson's whole road on a phone: captured in a review session, published, found."""

from __future__ import annotations

import pytest

from accounts.roles import CONTRIBUTOR
from lessons.models import Lesson
from tests.factories import MembershipFactory, PhaseFactory, PhaseReviewFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("allow_orm_beside_playwright"),
]

PHONE = {"width": 375, "height": 812}
PASSWORD = "a-long-test-password"


def sign_in(browser, live_server, user):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_captured_in_a_session_approved_by_a_curator_found_by_a_reader(
    live_server, browser, project_a, reader, curator
):
    for person in (reader, curator):
        person.set_password(PASSWORD)
        person.save()
    manager = UserFactory(username="pat", first_name="Pat", role=CONTRIBUTOR)
    manager.set_password(PASSWORD)
    manager.save()
    MembershipFactory(project=project_a, user=manager, role="manager")
    planning = PhaseFactory(project=project_a, name="Planning")
    session = PhaseReviewFactory(project=project_a, phase=planning, facilitator=manager)
    session_url = f"{live_server.url}/projects/{project_a.code}/reviews/{session.pk}/"

    # The project manager captures a lesson during the session, then closes it.
    context, page = sign_in(browser, live_server, manager)
    page.goto(session_url)
    page.get_by_label("Title").fill("Book the cutover weekend before the vendor freeze")
    page.get_by_label("What should others do next time?").fill(
        "Reserve the **cutover** window with every vendor at kick-off."
    )
    page.get_by_label("Kind").select_option("improvement")
    page.get_by_role("button", name="Add this lesson").click()
    page.wait_for_url(session_url)
    assert page.get_by_text("Book the cutover weekend before the vendor freeze").first.is_visible()
    assert no_sideways_scroll(page)
    page.get_by_role("link", name="Close the session").click()
    page.get_by_role("button", name="Close and submit 1 lesson").click()
    page.wait_for_url(session_url)
    context.close()
    lesson = Lesson.objects.get(title="Book the cutover weekend before the vendor freeze")
    assert lesson.status == Lesson.Status.SUBMITTED
    assert lesson.review == session

    # A curator finds it at the head of the queue and publishes it.
    context, page = sign_in(browser, live_server, curator)
    page.goto(f"{live_server.url}/curation/")
    page.get_by_role("link", name="Book the cutover weekend before the vendor freeze").click()
    page.get_by_role("button", name="Approve and publish").click()
    assert page.get_by_text("is published").first.is_visible()
    assert no_sideways_scroll(page)
    context.close()
    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.PUBLISHED

    # A reader from anywhere in the organisation finds it by a stemmed word.
    context, page = sign_in(browser, live_server, reader)
    page.goto(f"{live_server.url}/lessons/?q=vendors+cutover")
    result = page.locator(".lesson-card").first
    assert "Book the cutover weekend" in result.inner_text()
    result.get_by_role("link").click()
    assert page.locator("strong", has_text="cutover").first.is_visible()  # Markdown rendered
    assert no_sideways_scroll(page)
    context.close()
