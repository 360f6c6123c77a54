"""Sign-in hardening: lockout, password change and reset, CSP, CSRF, logout by POST."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import client_ip
from tests.factories import CategoryFactory, LessonFactory, MembershipFactory, UserFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
LOGIN = "/accounts/login/"
LOCKED = "Too many failed sign-in attempts"


def sign_in(client: Client, username: str, password: str, path: str = LOGIN):
    return client.post(path, {"username": username, "password": password})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail_until_locked(client: Client, username: str, path: str = LOGIN):
    """Wrong passwords up to the limit; returns the last answer (the lockout)."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, username, "wrong-password", path)
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    return sign_in(client, username, "wrong-password", path)


# -- lockout after repeated failures ----------------------------------------------------------


def test_repeated_failures_lock_the_username_with_a_clear_message_on_the_sign_in_page(
    client, reader
):
    response = fail_until_locked(client, "rita")

    assert response.status_code == 429
    page = response.content.decode()
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert LOCKED in page
    assert f"paused for {minutes} minutes" in page
    # The sign-in page itself, username kept, password not, with the way to reset it.
    assert 'name="password"' in page and 'value="rita"' in page
    assert "wrong-password" not in page
    assert reverse("password_reset") in page


def test_the_right_password_is_refused_too_until_the_cool_off_is_over(client, reader):
    fail_until_locked(client, "rita")

    response = sign_in(client, "rita", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not is_signed_in(client)
    assert client.get("/").status_code == 302

    # Once the cool-off has passed since the last attempt, the right password works again.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert sign_in(client, "rita", PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_a_successful_sign_in_before_the_limit_resets_the_count(client, reader):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "rita", "wrong-password")
    assert sign_in(client, "rita", PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "rita", "wrong-password").status_code == 200
    assert sign_in(client, "rita", PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_the_lock_holds_one_username_from_one_address_only(reader, curator):
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    fail_until_locked(attacker, "rita")

    # Rita at her own desk is not locked out by someone else's guessing ...
    rita = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(rita, "rita", PASSWORD).status_code == 302
    # ... and a colleague behind the attacker's address is not locked out either.
    colleague = Client(REMOTE_ADDR="203.0.113.66")
    assert sign_in(colleague, "clara", PASSWORD).status_code == 302


def test_the_admin_sign_in_locks_out_too_with_the_same_message(client, administrator):
    administrator.is_staff = True
    administrator.save()

    response = fail_until_locked(client, "adam", "/admin/login/?next=/admin/")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert sign_in(client, "adam", PASSWORD, "/admin/login/?next=/admin/").status_code == 429
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.2"),  # no proxy: a client's header is ignored
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # forged entry on the left is ignored
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.3", "203.0.113.5"),
        (1, "", "10.0.0.2"),  # not through the proxy
    ],
)
def test_the_client_address_comes_from_trusted_proxies_only(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# -- password change ------------------------------------------------------------------------


def test_password_change_asks_for_the_old_password_and_applies_the_validators(client, reader):
    client.force_login(reader)
    url = reverse("password_change")
    assert client.get(url).status_code == 200

    wrong_old = client.post(
        url,
        {
            "old_password": "not-my-password",
            "new_password1": "Quiet-lantern-47",
            "new_password2": "Quiet-lantern-47",
        },
    )
    assert wrong_old.status_code == 200
    assert "Your old password was entered incorrectly" in wrong_old.content.decode()

    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "abc123", "new_password2": "abc123"}
    )
    page = weak.content.decode()
    assert weak.status_code == 200
    assert "This password is too short" in page
    assert "This password is too common" in page

    changed = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Quiet-lantern-47",
            "new_password2": "Quiet-lantern-47",
        },
    )
    assert changed.status_code == 302
    assert changed["Location"] == reverse("password_change_done")
    assert "Password changed" in client.get(changed["Location"]).content.decode()
    reader.refresh_from_db()
    assert reader.check_password("Quiet-lantern-47")


def test_the_profile_page_links_to_password_change(client, reader):
    client.force_login(reader)
    assert reverse("password_change") in client.get(reverse("profile")).content.decode()


# -- password reset by e-mail ---------------------------------------------------------------


def test_password_reset_by_e_mail_end_to_end(client, reader):
    assert reverse("password_reset") in client.get(LOGIN).content.decode()  # "Forgot ...?"

    response = client.post(reverse("password_reset"), {"email": "rita@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rita@example.org"]
    assert "Reset your Hindsight password" in message.subject
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)

    # The link from the e-mail leads to a form (Django swaps the token for a session marker).
    form_url = client.get(link)["Location"]
    assert "Choose a new password" in client.get(form_url).content.decode()
    done = client.post(
        form_url, {"new_password1": "Amber-harbour-93", "new_password2": "Amber-harbour-93"}
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert "Password set" in client.get(done["Location"]).content.decode()

    assert sign_in(client, "rita", PASSWORD).status_code == 200  # the old one is gone
    assert sign_in(client, "rita", "Amber-harbour-93").status_code == 302
    assert is_signed_in(client)
    # The link worked once.
    client.post("/accounts/logout/")
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_password_reset_refuses_a_weak_new_password(client, reader):
    client.post(reverse("password_reset"), {"email": "rita@example.org"})
    link = re.search(r"(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]

    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "This password is too common" in page and "This password is entirely numeric" in page
    reader.refresh_from_db()
    assert reader.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client, reader):
    known = client.post(reverse("password_reset"), {"email": "rita@example.org"})
    mail.outbox.clear()

    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_pages_are_open_signed_out_and_everything_else_still_needs_sign_in(client, reader):
    open_pages = [
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_confirm", args=["MQ", "not-a-token"]),
        reverse("password_reset_complete"),
        LOGIN,
    ]
    for url in open_pages:
        assert client.get(url).status_code == 200, url

    lesson = LessonFactory()
    closed_pages = [
        "/",
        reverse("lessons:list"),
        reverse("lessons:detail", args=[lesson.pk]),
        reverse("projects:list"),
        reverse("profile"),
        reverse("password_change"),
        reverse("password_change_done"),
    ]
    for url in closed_pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next="), url


# -- logout, CSRF, CSP --------------------------------------------------------------------------


def test_logout_is_by_post_only(client, reader):
    client.force_login(reader)
    assert client.get("/accounts/logout/").status_code == 405
    assert is_signed_in(client)
    client.post("/accounts/logout/")
    assert not is_signed_in(client)


class FormCollector(HTMLParser):
    """Collects each <form method="post"> and the names of the inputs inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.post_forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._current = {"action": attributes.get("action"), "inputs": set()}
            if (attributes.get("method") or "get").lower() == "post":
                self.post_forms.append(self._current)
        elif tag == "input" and self._current is not None:
            self._current["inputs"].add(attributes.get("name"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def post_forms(html: str) -> list[dict]:
    collector = FormCollector()
    collector.feed(html)
    return collector.post_forms


def test_every_post_form_carries_a_csrf_token(reader, contributor, curator, administrator):
    project = contributor.memberships.first().project
    MembershipFactory(project=project, user=UserFactory(username="mo"))
    lesson = LessonFactory(project=project)
    administrator.is_staff = True
    administrator.save()
    common = [
        "/",
        reverse("lessons:list"),
        reverse("lessons:detail", args=[lesson.pk]),
        reverse("projects:list"),
        reverse("projects:detail", args=[project.code]),
        reverse("profile"),
        reverse("password_change"),
    ]
    pages = {None: [LOGIN, reverse("password_reset")]}
    for user in (reader, contributor, curator, administrator):
        pages[user] = common
    pages[administrator] = [*common, "/admin/", "/admin/lessons/lesson/"]

    checked = set()
    for user, urls in pages.items():
        client = Client()
        if user:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            for form in post_forms(response.content.decode()):
                assert "csrfmiddlewaretoken" in form["inputs"], (user, url, form["action"])
                checked.add(form["action"])
    # The forms that change something were among those checked.
    assert {
        reverse("logout"),
        reverse("login"),
        reverse("lessons:rate", args=[lesson.pk]),
        reverse("projects:member_add", args=[project.code]),
    } <= checked


EXPECTED_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}


def parse_csp(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def test_pages_carry_the_content_security_policy(client, reader):
    assert parse_csp(client.get(LOGIN)["Content-Security-Policy"]) == EXPECTED_CSP
    client.force_login(reader)
    response = client.get("/")
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert response["X-Frame-Options"] == "DENY"


# -- in the browser: no CSP violation on the pages people use ---------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("allow_orm_beside_playwright")
def test_no_content_security_policy_violation_in_the_browser(live_server, browser):
    # Built without the rows data migrations provide: an earlier transactional test may
    # have flushed them.
    user = UserFactory(username="bea", is_staff=True, is_superuser=True)
    category = CategoryFactory(slug="technical", name="Technical")
    lesson = LessonFactory(title="Rehearse the cutover twice", tags=["cutover"], category=category)
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))

    page.goto(f"{live_server.url}{LOGIN}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/lessons/?q=cutover")
    assert page.locator(".lesson-card").count() == 1
    page.get_by_text("Filters").click()  # the phone-width filter toggle (CSS only)
    page.locator(".lesson-card h3 a").first.click()
    assert page.get_by_role("heading", name=lesson.title).is_visible()
    page.goto(f"{live_server.url}{reverse('password_change')}")
    page.goto(f"{live_server.url}/admin/")
    assert page.get_by_role("heading", name="Lessons, projects and people").is_visible()
    page.goto(f"{live_server.url}/admin/lessons/lesson/{lesson.pk}/change/")
    page.locator("button.theme-toggle").first.click()  # the admin's own script at work
    page.wait_for_timeout(200)

    assert violations == []
    context.close()
