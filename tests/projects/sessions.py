"""Helpers of the phase review session tests: addresses, a lesson typed into a session, the
page's text."""

from __future__ import annotations

from projects.models import PhaseReview


def url(review: PhaseReview, suffix: str = "") -> str:
    return f"/projects/{review.project.code}/reviews/{review.pk}/{suffix}"


def lesson_data(**overrides) -> dict:
    return {
        "title": "Book migration rehearsals with finance early",
        "recommendation": "Agree every rehearsal date with the data owners at planning.",
        "kind": "went_wrong",
        "impact": "high",
        "visibility": "organisation",
        "summary": "",
        "category": "",
        "tags": "",
        **overrides,
    }


def add(client, review, **overrides):
    """Post a lesson and follow to the page, as a browser would (which shows the message)."""
    return client.post(url(review), lesson_data(**overrides), follow=True)


def text(response) -> str:
    return response.content.decode()


def main_region(response) -> str:
    page = text(response)
    return page[page.find("<main") : page.rfind("</main>")]
