"""Configuration from the environment (README, Configuration), checked in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "DJANGO_ALLOWED_HOSTS": "hindsight.example.org",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_deploy_check_is_clean_in_production_mode():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_database_url_selects_the_database():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = run_manage(
        "shell", "-c", code, DATABASE_URL="postgres://someone@db.example.org:5432/hindsight"
    )
    assert result.stdout.strip().endswith("django.db.backends.postgresql")
    default = run_manage("shell", "-c", code.replace("ENGINE", "NAME"), DATABASE_URL="")
    assert default.stdout.strip().endswith(str(ROOT / "db.sqlite3"))


def show_settings(*names: str, **env: str) -> dict[str, str]:
    """The repr of each named setting, as a fresh process with this environment sees it."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: repr(getattr(settings, n, None)) for n in {names!r}}}))"
    )
    result = run_manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_mode_secures_cookies_transport_and_framing():
    shown = show_settings(
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "X_FRAME_OPTIONS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        **PRODUCTION,
    )
    assert shown == {
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SESSION_COOKIE_HTTPONLY": "True",
        "SECURE_SSL_REDIRECT": "True",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "True",
        "X_FRAME_OPTIONS": "'DENY'",
        "SECURE_CONTENT_TYPE_NOSNIFF": "True",
    }


def test_content_security_policy_and_lockout_hold_in_every_mode():
    for env in ({}, PRODUCTION):
        shown = show_settings("CONTENT_SECURITY_POLICY", "AUTHENTICATION_BACKENDS", **env)
        assert "'script-src': [\"'self'\"]" in shown["CONTENT_SECURITY_POLICY"]
        assert "'frame-ancestors': [\"'none'\"]" in shown["CONTENT_SECURITY_POLICY"]
        assert shown["AUTHENTICATION_BACKENDS"].startswith("['axes.backends.")


def test_sign_in_and_session_limits_come_from_the_environment():
    defaults = show_settings(
        "AXES_FAILURE_LIMIT",
        "AXES_COOLOFF_TIME",
        "AXES_LOCKOUT_PARAMETERS",
        "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "PROXY_COUNT",
    )
    assert defaults == {
        "AXES_FAILURE_LIMIT": "5",
        "AXES_COOLOFF_TIME": "datetime.timedelta(seconds=900)",
        "AXES_LOCKOUT_PARAMETERS": "[['username', 'ip_address']]",
        "SESSION_COOKIE_AGE": "43200",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": "False",
        "PROXY_COUNT": "0",
    }
    chosen = show_settings(
        "AXES_FAILURE_LIMIT",
        "AXES_COOLOFF_TIME",
        "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "PROXY_COUNT",
        DJANGO_LOGIN_FAILURE_LIMIT="3",
        DJANGO_LOGIN_COOLOFF_MINUTES="60",
        DJANGO_SESSION_AGE="3600",
        DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE="true",
        DJANGO_PROXY_COUNT="1",
    )
    assert chosen == {
        "AXES_FAILURE_LIMIT": "3",
        "AXES_COOLOFF_TIME": "datetime.timedelta(seconds=3600)",
        "SESSION_COOKIE_AGE": "3600",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": "True",
        "PROXY_COUNT": "1",
    }
