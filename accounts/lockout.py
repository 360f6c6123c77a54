"""Sign-in lockout with django-axes: who the client is, and what a locked-out person sees."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.forms import SignInForm


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the connection's own, or as recorded by our outermost proxy.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the
    entry ``PROXY_COUNT`` places from the right was written by a proxy we trust; anything
    further left came from the client and could be forged to dodge the lockout.
    """
    hops = settings.PROXY_COUNT
    if hops > 0:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The sign-in page again, saying how long to wait (429 Too Many Requests).

    django-axes calls this for our sign-in page and for the admin's alike, so both show the
    same page. The username is kept; the password never is.
    """
    cool_off = get_cool_off(request)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return render(
        request,
        "registration/login.html",
        {
            "form": SignInForm(request, initial={"username": username}),
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "locked_out": True,
            "lockout_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
