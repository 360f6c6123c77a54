"""How a persona looks at the leak world: pages, the probe that notes what is wrong, and
the helpers that build a surface."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from accounts.models import User
from tests.leaks.world import API_PATH, MARKER, PEOPLE, LessonSpec, Person, World, can_see

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


@dataclass
class Page:
    """One answer as the persona got it; empty when a signed-out user was sent to sign in."""

    url: str
    status: int
    text: str
    context: Any = None
    location: str = ""
    json: Any = None

    @property
    def sent_to_sign_in(self) -> bool:
        return self.status == 302 and self.location.startswith(LOGIN_PATHS)

    @property
    def refused_by_api(self) -> bool:
        """The API's answer to someone not signed in: a JSON 401 or 403, never a redirect."""
        return self.json is not None and self.status in (401, 403)

    def ctx(self, name: str, default: Any = ()) -> Any:
        """A template variable; ``default`` when the persona never got the page."""
        if self.sent_to_sign_in:
            return default
        return self.context[name]


def main_region(text: str) -> str:
    """The page's own content, without the top bar that names the signed-in user."""
    start, end = text.find("<main"), text.rfind("</main>")
    return text[start:end] if start >= 0 and end > start else text


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def name_pattern(person: Person) -> re.Pattern:
    return re.compile(
        r"\b(" + "|".join(re.escape(name) for name in person.names) + r")\b", re.IGNORECASE
    )


@dataclass
class Probe:
    """One persona looking at the world through a signed-in client, noting what is wrong."""

    persona: Person
    world: World
    client: Client
    failures: list[str] = field(default_factory=list)

    # -- the oracle, for this persona ----------------------------------------------------

    @property
    def user(self) -> User:
        return self.world.users[self.persona.key]

    def sees(self, marker: str) -> bool:
        return can_see(self.persona, self.world.specs[marker])

    @property
    def visible(self) -> set[str]:
        return self.world.markers(lambda spec: can_see(self.persona, spec))

    @property
    def searchable(self) -> set[str]:
        """What a search may list: visible, and not merged into another lesson."""
        return {m for m in self.visible if not self.world.specs[m].merged_into}

    @property
    def hidden(self) -> set[str]:
        return set(self.world.specs) - self.visible

    def published(self, markers: Iterable[str]) -> set[str]:
        return {m for m in markers if self.world.specs[m].published}

    # -- fetching ------------------------------------------------------------------------

    def get(self, url: str, data: dict | None = None, *, expect: int | tuple = 200) -> Page:
        return self._fetch("get", url, data, expect)

    def post(self, url: str, data: dict | None = None, *, expect: int | tuple = 302) -> Page:
        return self._fetch("post", url, data, expect)

    def api_post(self, url: str, data: dict | None = None, *, expect: int | tuple = 201) -> Page:
        """A JSON request body, as API clients send it."""
        return self._fetch("post", url, data, expect, as_json=True)

    def _fetch(
        self,
        method: str,
        url: str,
        data: dict | None,
        expect: int | tuple,
        *,
        as_json: bool = False,
    ) -> Page:
        if as_json:
            body = json.dumps(data or {})
            response = getattr(self.client, method)(url, body, content_type="application/json")
        else:
            response = getattr(self.client, method)(url, data or {})
        if getattr(response, "streaming", False):
            text = b"".join(response.streaming_content).decode()
        else:
            text = response.content.decode()
        page = Page(
            url=url if not data else f"{url} {data}",
            status=response.status_code,
            text=text,
            context=response.context,
            location=response.get("Location", ""),
        )
        if response.get("Content-Type", "").startswith("application/json"):
            page.json = json.loads(text)  # also for a streamed answer (the JSON export)
        if not self.persona.active:
            # Django's ModelBackend refuses an inactive user's session: they are signed out.
            # The API answers that with a JSON 401/403 instead of the sign-in page.
            if url.startswith(API_PATH) or f"testserver{API_PATH}" in url:
                self.expect(page.refused_by_api, page, f"refused (401/403), got {page.status}")
            else:
                self.expect(page.sent_to_sign_in, page, f"sent to sign in, got {page.status}")
            return page
        allowed = expect if isinstance(expect, tuple) else (expect,)
        self.expect(page.status in allowed, page, f"status {page.status}, expected {expect}")
        self._check_never_named(page)
        return page

    def _check_never_named(self, page: Page) -> None:
        """The anonymous colleague wrote only anonymous lessons: no page may name them.

        Pickers that list every account (choosing a new team member) are no clue to who
        wrote what, so ``<select>`` lists are not read.
        """
        text = re.sub(r"<select\b.*?</select>", "", page.text, flags=re.DOTALL)
        found = name_pattern(PEOPLE["hidden"]).findall(text)
        self.expect(not found, page, f"names the author of anonymous lessons: {found}")

    # -- judging ------------------------------------------------------------------------

    def expect(self, condition: bool, where: Page | str, message: str) -> None:
        if not condition:
            url = where.url if isinstance(where, Page) else where
            self.failures.append(f"{url}: {message}")

    def markers_in(self, page_or_text: Page | str) -> set[str]:
        text = page_or_text.text if isinstance(page_or_text, Page) else page_or_text
        found = set(MARKER.findall(text))
        unknown = found - set(self.world.specs)
        if unknown:
            self.failures.append(f"unrecognised marker-like words {sorted(unknown)}")
        return found & set(self.world.specs)

    def check(
        self,
        where: Page | str,
        seen: Iterable[str],
        *,
        allowed: Iterable[str] | None = None,
        required: Iterable[str] = (),
        exact: Iterable[str] | None = None,
    ) -> None:
        """Markers ``seen`` must stay within ``allowed`` (default: visible) and include
        ``required``; ``exact`` means both at once."""
        seen = set(seen)
        if exact is not None:
            allowed = required = set(exact)
        allowed = self.visible if allowed is None else set(allowed)
        leaked = seen - allowed
        missing = set(required) - seen
        self.expect(not leaked, where, f"shows lessons it must not: {sorted(leaked)}")
        self.expect(not missing, where, f"misses lessons it must show: {sorted(missing)}")

    def check_page(self, page: Page, *, allowed=None, required=(), ignore=()) -> None:
        """Every marker anywhere in the page text."""
        self.check(page, self.markers_in(page) - set(ignore), allowed=allowed, required=required)

    def report(self) -> str:
        shown = self.failures[:40]
        more = len(self.failures) - len(shown)
        return "\n".join(shown + ([f"... and {more} more"] if more > 0 else []))


Rule = Callable[[Probe], Iterable[str]]


Surface = Callable[[Probe], None]


def visible(probe: Probe) -> set[str]:
    return probe.visible


def nothing(probe: Probe) -> set[str]:
    return set()


def page(
    urls: str | Callable[[World], Iterable[str]],
    *,
    allowed: Rule = visible,
    required: Rule = nothing,
) -> Surface:
    """A surface of one or more pages whose markers must stay within ``allowed``."""

    def surface(probe: Probe) -> None:
        for url in [urls] if isinstance(urls, str) else urls(probe.world):
            probe.check_page(probe.get(url), allowed=allowed(probe), required=required(probe))

    return surface


def per_lesson(url: str) -> Surface:
    """A page per lesson (``url`` with ``{pk}``): the lesson if visible, else 404 (not 403)."""

    def surface(probe: Probe) -> None:
        for marker, pk in probe.world.pks.items():
            if probe.world.specs[marker].merged_into:
                continue  # a merged duplicate may answer with its kept lesson instead
            if probe.sees(marker):
                answer = probe.get(url.format(pk=pk))
                probe.check_page(answer, required={marker} if probe.persona.active else ())
            else:
                answer = probe.get(url.format(pk=pk), expect=404)
                probe.check_page(answer, allowed=set())

    return surface


# Where opening every lesson would cost too much (a search each, an admin history page each),
# these stand for the rest: each kind of lesson in both projects, the contributor's own, an
# anonymous one and the deactivated user's.
SAMPLE = {
    f"leakmarker{short}{status}{project}"
    for short in ("org", "prj", "rst")
    for status in ("draft", "published")
    for project in ("a", "b")
} | {"leakmarkerminerstsubmittedb", "leakmarkerformerrstdraftb", "leakmarkermineanonrstsubmittedb"}


def markers_of(probe: Probe, lessons) -> set[str]:
    return {probe.world.marker_of_pk(lesson.pk) for lesson in lessons}


def check_anonymity(probe: Probe, answer: Page, spec: LessonSpec) -> None:
    """A page about an anonymous lesson never names who wrote it to anyone else (the top
    bar names the signed-in user, so only the page's own content is read)."""
    if spec.anonymous and spec.author != probe.persona.key:
        found = name_pattern(PEOPLE[spec.author]).findall(main_region(answer.text))
        probe.expect(not found, answer, f"names the author of anonymous {spec.marker}: {found}")
