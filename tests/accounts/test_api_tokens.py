"""Personal API tokens (issue 7): created, listed and revoked on the profile page; the key is
shown once and only its hash kept; Bearer auth, 401s, throttling, and the API docs pages.

Tokens are tried on /api/schema/, the one API resource this module owns: it takes the same
authentication, permission and throttle classes as every endpoint of the API.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken
from tests.factories import UserFactory

KEY_RE = re.compile(r"hs_[A-Za-z0-9_-]{43}")
API = "/api/schema/?format=json"


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def token_and_key(contributor):
    return tokens.create_token(contributor, "Reporting script")


# -- the profile page ---------------------------------------------------------------------------


def test_creating_a_token_shows_the_key_once_and_stores_only_its_hash(client, contributor):
    client.force_login(contributor)

    response = client.post("/accounts/profile/tokens/new/", {"name": "Jira sync"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    [key] = set(KEY_RE.findall(page))
    assert "only time it is shown" in page
    token = ApiToken.objects.get(user=contributor)
    assert token.name == "Jira sync"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:11] and token.prefix.startswith("hs_")
    stored = " ".join(str(value) for value in ApiToken.objects.values().get().values())
    assert key not in stored and key[11:] not in stored
    assert key not in str(dict(client.session))

    profile = client.get("/accounts/profile/").content.decode()
    assert "Jira sync" in profile and token.prefix in profile
    assert key not in profile


def test_profile_lists_my_active_tokens_only(client, contributor, reader):
    mine, _ = tokens.create_token(contributor, "Mine marker")
    old, _ = tokens.create_token(contributor, "Revoked marker")
    tokens.revoke_token(old)
    tokens.create_token(reader, "Rita's marker")
    client.force_login(contributor)

    page = client.get("/accounts/profile/").content.decode()

    assert "Mine marker" in page and mine.prefix in page
    assert "Revoked marker" not in page and "Rita" not in page
    assert "Never" in page  # last used


def test_profile_with_tokens_runs_few_queries(client, contributor, django_assert_max_num_queries):
    for n in range(5):
        tokens.create_token(contributor, f"Token {n}")
    client.force_login(contributor)
    with django_assert_max_num_queries(10):
        assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("reporting SCRIPT", "You already have a token named"),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_a_token_needs_a_name_of_its_own(client, contributor, token_and_key, name, error):
    client.force_login(contributor)

    response = client.post("/accounts/profile/tokens/new/", {"name": name})

    page = response.content.decode()
    assert response.status_code == 200 and error in page
    assert not KEY_RE.search(page)
    assert ApiToken.objects.filter(user=contributor).count() == 1


def test_a_revoked_tokens_name_can_be_used_again(contributor, token_and_key):
    tokens.revoke_token(token_and_key[0])
    token, _ = tokens.create_token(contributor, "Reporting script")
    assert token.is_active


def test_there_is_a_limit_on_active_tokens(contributor):
    for n in range(tokens.MAX_ACTIVE_TOKENS):
        tokens.create_token(contributor, f"Token {n}")
    with pytest.raises(tokens.TokenError, match="Revoke one"):
        tokens.create_token(contributor, "One too many")


def test_revoking_asks_first_then_stops_the_token(client, contributor, token_and_key):
    token, key = token_and_key
    client.force_login(contributor)
    url = f"/accounts/profile/tokens/{token.pk}/revoke/"

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Revoke the token “Reporting script”?" in confirm.content.decode()
    token.refresh_from_db()
    assert token.is_active  # asking changes nothing

    response = client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/profile/#api-tokens"
    assert "was revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get(API, **bearer(key)).status_code == 401
    assert client.post(url).status_code == 302  # signed out: to the sign-in page


def test_nobody_revokes_another_persons_token(client, reader, token_and_key):
    token, key = token_and_key
    client.force_login(reader)
    url = f"/accounts/profile/tokens/{token.pk}/revoke/"

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404

    token.refresh_from_db()
    assert token.is_active
    client.logout()
    assert client.get(API, **bearer(key)).status_code == 200


def test_a_revoked_token_cannot_be_revoked_again(client, contributor, token_and_key):
    token, _ = token_and_key
    tokens.revoke_token(token)
    client.force_login(contributor)
    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404


# -- signing API requests in with a token -------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Bearer", "bearer", "Token"])
def test_a_token_opens_the_api(client, token_and_key, keyword):
    _, key = token_and_key
    response = client.get(API, HTTP_AUTHORIZATION=f"{keyword} {key}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")


def test_a_token_opens_the_api_endpoints_not_only_the_schema(client, token_and_key):
    _, key = token_and_key
    root = client.get("/api/", **bearer(key))
    assert root.status_code == 200 and root["Content-Type"] == "application/json"
    assert "lessons" in root.json()
    assert client.get(root.json()["lessons"], **bearer(key)).status_code == 200
    anonymous = client.get("/api/")
    assert anonymous.status_code == 401  # not the sign-in page
    assert anonymous.json()["detail"]


def test_using_a_token_records_when_at_most_once_a_minute(client, token_and_key):
    token, key = token_and_key
    assert token.last_used_at is None

    client.get(API, **bearer(key))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)

    client.get(API, **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(API, **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer hs_" + "A" * 43,  # unknown
        "Bearer not-a-hindsight-token",
        "Bearer",
        "Bearer two parts",
        "Token ",
    ],
)
def test_unknown_or_malformed_tokens_answer_401_with_a_challenge(client, db, header):
    response = client.get(API, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["detail"]


def test_a_revoked_token_answers_401(client, token_and_key):
    token, key = token_and_key
    tokens.revoke_token(token)
    response = client.get(API, **bearer(key))
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token."}


def test_a_deactivated_persons_token_answers_401(client, deactivated):
    _, key = tokens.create_token(deactivated, "Left behind")
    response = client.get(API, **bearer(key))
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_a_token_of_someone_deactivated_later_stops_working(client, token_and_key, contributor):
    _, key = token_and_key
    assert client.get(API, **bearer(key)).status_code == 200
    contributor.is_active = False
    contributor.save()
    assert client.get(API, **bearer(key)).status_code == 401


def test_an_anonymous_api_call_gets_401_not_the_sign_in_page(client, db):
    response = client.get(API)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_other_authorization_schemes_are_not_mistaken_for_a_token(client, db):
    response = client.get(API, HTTP_AUTHORIZATION="Basic Y29saW46c2VjcmV0")
    assert response.status_code == 401  # no session either: nobody is signed in


def test_a_token_opens_only_the_api_not_the_pages(client, token_and_key):
    _, key = token_and_key
    response = client.get("/accounts/profile/", **bearer(key))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# -- rate limits --------------------------------------------------------------------------------


def rates(user: str, anon: str = "100/hour"):
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": user, "anon": anon},
        }
    )


def test_a_client_over_its_rate_gets_429_with_retry_after(client, token_and_key):
    _, key = token_and_key
    with rates("2/minute"):
        assert client.get(API, **bearer(key)).status_code == 200
        assert client.get(API, **bearer(key)).status_code == 200
        response = client.get(API, **bearer(key))

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert "throttled" in response.json()["detail"]


def test_api_endpoints_answer_429_in_json(client, token_and_key):
    _, key = token_and_key
    with rates("1/minute"):
        assert client.get("/api/", **bearer(key)).status_code == 200
        response = client.get("/api/", **bearer(key))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Request was throttled")


def test_token_and_session_share_one_budget_per_person(client, contributor, reader, token_and_key):
    _, key = token_and_key
    client.force_login(contributor)
    with rates("2/hour"):
        assert client.get(API).status_code == 200
        assert client.get(API, **bearer(key)).status_code == 200
        assert client.get(API).status_code == 429
        client.force_login(reader)  # someone else has their own budget
        assert client.get(API).status_code == 200


def test_default_rates_come_from_the_environment(monkeypatch):
    from config.settings import env_rate

    monkeypatch.setenv("HINDSIGHT_API_RATE_USER", "50/minute")
    assert env_rate("HINDSIGHT_API_RATE_USER", "1000/hour") == "50/minute"
    monkeypatch.setenv("HINDSIGHT_API_RATE_USER", "")
    assert env_rate("HINDSIGHT_API_RATE_USER", "1000/hour") == "1000/hour"
    monkeypatch.setenv("HINDSIGHT_API_RATE_USER", "lots")
    with pytest.raises(Exception, match="1000/hour"):
        env_rate("HINDSIGHT_API_RATE_USER", "1000/hour")


# -- schema and docs pages ----------------------------------------------------------------------


def external_urls(text: str) -> list[str]:
    """Absolute URLs in a page, other than the test server's own and documentation examples
    (DRF's pagination schema shows http://api.example.org/...; RFC 2606 reserves the name)."""
    return [
        url
        for url in re.findall(r"https?://[^\s\"'<>)\\]+", text)
        if not re.match(r"https?://(testserver|[\w.]*example\.(org|com))\b", url)
    ]


def test_docs_page_works_offline_and_under_the_csp(client, contributor):
    client.force_login(contributor)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert external_urls(page) == []
    # No inline script or style: every <script> has a src, and there is no <style>.
    assert re.findall(r"<script(?![^>]*\ssrc=)", page) == []
    assert "<style" not in page and "style=" not in page
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    # Swagger UI from drf-spectacular-sidecar, served by Hindsight's static files.
    assets = re.findall(r'(?:src|href)="/static/([^"?]+)"', page)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in a for a in assets)
    for asset in assets:
        assert finders.find(asset), asset
    # The start-up script, loaded from the page's own URL.
    [script_url] = re.findall(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    text = script.content.decode()
    assert '"/api/schema/"' in text and external_urls(text) == []
    assert '"validatorUrl": null' in text  # no badge fetched from validator.swagger.io


def test_schema_and_docs_need_sign_in(client, db):
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs.url.startswith("/accounts/login/")
    assert client.get("/api/schema/").status_code == 401


def test_signed_in_people_read_the_schema(client, reader):
    client.force_login(reader)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Hindsight API"
    assert external_urls(response.content.decode()) == []


def test_the_profile_links_to_the_api_docs(client, reader):
    client.force_login(reader)
    page = client.get("/accounts/profile/").content.decode()
    assert 'href="/api/docs/"' in page


# -- admin ----------------------------------------------------------------------------------------


def test_admin_shows_tokens_read_only_and_never_a_key(client, administrator, token_and_key):
    token, key = token_and_key
    administrator.is_staff = True  # as accounts.services.set_roles makes it
    administrator.save()
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    for person in (administrator, superuser):
        client.force_login(person)
        changelist = client.get("/admin/accounts/apitoken/")
        assert changelist.status_code == 200, person
        detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
        assert detail.status_code == 200
        for page in (changelist, detail):
            text = page.content.decode()
            assert token.prefix in text and key not in text and token.key_hash not in text
        assert client.get("/admin/accounts/apitoken/add/").status_code == 403
        assert client.post(f"/admin/accounts/apitoken/{token.pk}/delete/").status_code == 403
