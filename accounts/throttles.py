"""API rate limits per person (token and session alike) and per address for anonymous calls.

DRF's own throttles copy their rates once, when DRF is imported; these read them from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on every request, so a changed setting (tests,
``override_settings``) takes effect. Counts live in Django's cache: see README.md, "API".
Over the limit, DRF answers 429 with a ``Retry-After`` header and a JSON ``detail``.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.settings import api_settings


class _RateFromSettings:
    scope: str

    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No API rate for scope {self.scope!r} in REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']."
            ) from None


class UserRateThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Signed-in or token clients: one budget per person, whichever way they sign in."""


class AnonRateThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    """Anonymous clients, per address (only views open to anonymous callers reach it)."""
