"""Personal API tokens: creating, revoking, and signing API requests in with them.

A key is ``hs_`` followed by 43 URL-safe characters (32 random bytes). Hindsight stores only
its SHA-256 digest: a key that random cannot be guessed from the digest, so a slow password
hash would add nothing, and a plain digest lets a request find its token with one indexed
lookup. The key is shown to its owner once, when it is created, and never again.

API clients send it as ``Authorization: Bearer <key>`` (``Token <key>`` works too). Unknown,
revoked or malformed keys, and keys of deactivated people, answer 401 with a
``WWW-Authenticate: Bearer`` challenge.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.models import ApiToken, User

KEY_PREFIX = "hs_"
# Characters of the key (after "hs_") kept to tell tokens apart: 8 of 43, so 35 stay secret.
SHOWN_CHARACTERS = 8
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
KEYWORDS = (b"bearer", b"token")


class TokenError(Exception):
    """A token that was not created; the message says why and what to do."""


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def tokens_of(user: User):
    """The user's tokens that still work, newest first."""
    return ApiToken.objects.active().filter(user=user)


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token named ``name`` for ``user``; return it and its key (shown once)."""
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name, so you can tell it apart later.")
    if tokens_of(user).count() >= MAX_ACTIVE_TOKENS:
        raise TokenError(
            f"You already have {MAX_ACTIVE_TOKENS} tokens. Revoke one you no longer use first."
        )
    if tokens_of(user).filter(name__iexact=name).exists():
        raise TokenError(f"You already have a token named “{name}”. Choose another.")
    key = generate_key()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=key[: len(KEY_PREFIX) + SHOWN_CHARACTERS],
                key_hash=hash_key(key),
            )
    except IntegrityError as error:  # the same name, created at the same moment
        raise TokenError(f"You already have a token named “{name}”. Choose another.") from error
    return token, key


def revoke_token(token: ApiToken) -> None:
    """The token stops working at once; its row stays as a record."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def authenticate_key(key: str) -> ApiToken | None:
    """The active token with this key, its user loaded, or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    return ApiToken.objects.active().select_related("user").filter(key_hash=hash_key(key)).first()


def record_use(token: ApiToken) -> None:
    """Remember when the token was last used, writing at most once a minute."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class PersonalTokenAuthentication(BaseAuthentication):
    """DRF authentication by a personal API token in the Authorization header.

    Requests without such a header are left to the next authentication class (the session),
    so one API serves both scripts and the signed-in browser.
    """

    www_authenticate_realm = "api"

    def authenticate(self, request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: send “Bearer <token>”, with no spaces in the token."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.") from None
        token = authenticate_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token's account is deactivated.")
        record_use(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema, so Swagger UI offers "Authorize"."""

    target_class = PersonalTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token, created on your profile page in Hindsight. "
                "Send it as `Authorization: Bearer <token>`."
            ),
        }
