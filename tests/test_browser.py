"""End to end in the system Chromium: the demo, as a person on a phone would use it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from lessons.demo_data import DEMO_USERS
from lessons.management.commands.seed_demo import demo_password

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("allow_orm_beside_playwright"),
]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def demo():
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize("username", [row[0] for row in DEMO_USERS])
def test_each_demo_user_signs_in_on_a_phone_and_sees_lessons(demo, live_server, browser, username):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url

    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password(username))
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Recently published").is_visible()
    cards = page.locator(".lesson-card")
    assert cards.count() >= 6
    # Nothing overflows sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    cards.first.get_by_role("link").click()
    assert page.get_by_role("heading", name="The lesson").is_visible()

    page.get_by_text("Menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    context.close()
