"""End to end in the system Chromium: the demo, as a person on a phone would use it."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from demo.data import DEMO_USERS, demo_password

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


def test_reader_searches_filters_opens_and_rates_a_lesson_on_a_phone(demo, live_server, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill(demo_password("reader"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_placeholder("What are you about to do?").fill("supplier")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/lessons/?q=supplier")
    total = page.locator(".results-count").inner_text()
    assert page.locator(".lesson-card").count() > 0
    assert page.locator(".snippet mark").count() > 0

    # Filters sit behind a button at phone width.
    assert not page.locator("#filters").is_visible()
    page.get_by_text("Filters").click()
    option = page.locator("#filters .facet").first.locator(".facet-option").first
    option_label = option.locator(".facet-label").inner_text()
    option.click()
    assert page.locator(".chip").filter(has_text=option_label).is_visible()
    narrowed = page.locator(".results-count").inner_text()

    page.get_by_role("link", name=f"Remove Category: {option_label}").click()
    assert page.locator(".results-count").inner_text() == total
    assert narrowed != "" and page.locator(".chip").count() == 1  # only the search words

    page.locator(".lesson-card h3 a").first.click()
    assert page.get_by_role("link", name="Back to search results").is_visible()
    page.get_by_label("4 - very useful").check()
    page.get_by_label("Comment (optional)").fill("Used it in our tender")
    # The demo reader may have rated this lesson already: then the button says "Update".
    page.get_by_role("button", name=re.compile(r"^(Rate|Update my rating)$")).click()
    assert page.get_by_text("Thank you: your rating helps").is_visible()
    assert page.get_by_text("You rated it 4 out of 5").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
