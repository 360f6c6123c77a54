"""Rankers: a query's text in, the records it finds out, best first, as LLIS Lesson IDs.

A ranker is any callable ``ranker(text, depth) -> list[str]`` (``Ranker``), made for a
signed-in reader by a factory registered in ``RANKERS`` under the name of its search mode.
Today there is one mode, ``lexical``: the search page itself. A semantic or hybrid mode is
one more factory here, and ``python -m bench.quality --mode NAME`` measures it on the same
records, queries and figures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from django.test import Client
from django.urls import reverse

if TYPE_CHECKING:
    from accounts.models import User


class Ranker(Protocol):
    def __call__(self, text: str, depth: int) -> list[str]:
        """The external ids of the first ``depth`` records found for ``text``, best first."""
        ...


class SearchPage:
    """The lexical mode: what /lessons/?q=TEXT lists for the reader, page after page.

    The pages are read through Django's test client, so the order measured is the order a
    reader sees (the filters, the database's full-text backend, the ranking, the pages).
    The lessons are read from the page's context (needs ``setup_test_environment``).
    """

    def __init__(self, reader: User):
        self.client = Client()
        self.client.force_login(reader)
        self.url = reverse("lessons:list")

    def __call__(self, text: str, depth: int) -> list[str]:
        found: list[str] = []
        number = 1
        while len(found) < depth:
            response = self.client.get(self.url, {"q": text, "sort": "relevance", "page": number})
            if response.status_code != 200:
                raise RuntimeError(f"/lessons/?q={text!r} answered {response.status_code}")
            found += [lesson.external_id for lesson in response.context["lessons"]]
            if not response.context["page"].has_next():
                break
            number += 1
        return found[:depth]


RANKERS: dict[str, Callable[[User], Ranker]] = {
    "lexical": SearchPage,
}
