"""The help page: how to write a lesson, what fields and visibility mean, how curation works."""

from __future__ import annotations

import re

import pytest

from lessons.models import Lesson
from tests.factories import MembershipFactory, PhaseReviewFactory, UserFactory

SECTIONS = {
    "writing": "Writing a lesson others can use",
    "example": "A good and a weak lesson",
    "fields": "What each field is for",
    "visibility": "Who can read a lesson",
    "anonymity": "Anonymous lessons",
    "curation": "How curation works",
    "review-sessions": "Review sessions",
    "faq": "Common questions",
}


@pytest.fixture
def help_page(client, reader) -> str:
    client.force_login(reader)
    response = client.get("/help/")
    assert response.status_code == 200
    return response.content.decode()


def test_help_has_a_table_of_contents_leading_to_each_section(help_page):
    for anchor, heading in SECTIONS.items():
        assert f'<h2 id="{anchor}">{heading}</h2>' in help_page
        assert f'href="#{anchor}">{heading}</a>' in help_page


def test_help_sets_a_good_example_beside_a_weak_one(help_page):
    assert "A lesson others can use" in help_page and "A weak lesson" in help_page
    assert "Why it works" in help_page and "Why it falls short" in help_page


def test_help_explains_every_field_by_its_form_label(help_page):
    fields = re.search(r'<dl class="help-fields">(.*?)</dl>', help_page, re.DOTALL).group(1)
    labels = re.findall(r"<dt>(.*?)</dt>", fields)
    assert labels == [
        "Title",
        "What should others do next time?",
        "Summary",
        "What happened",
        "Root cause",
        "Early warning",
        "Kind",
        "Category",
        "Tags",
        "Impact",
        "Likelihood",
        "Phase",
        "Visibility",
        "Anonymous",
    ]


def test_help_names_each_visibility_level_and_choice_as_the_forms_do(help_page):
    for value, label in Lesson.Visibility.choices:
        assert f'<th scope="row">{label}</th>' in help_page, value
    for _value, label in [*Lesson.Kind.choices, *Lesson.Impact.choices]:
        assert label.lower() in help_page.lower()


def test_help_answers_the_common_questions(help_page):
    for question in [
        "Is a lesson learned the same as a post-mortem?",
        "When should we hold a review session?",
        "Can I edit a lesson after submitting it?",
        "Who sees my name?",
    ]:
        assert f"<h3>{question}</h3>" in help_page


def test_help_is_in_the_navigation_of_every_page(client, reader):
    client.force_login(reader)
    for path in ["/", "/lessons/", "/projects/"]:
        assert 'href="/help/"' in client.get(path).content.decode()
    assert 'href="/help/" aria-current="page">Help</a>' in client.get("/help/").content.decode()


def test_the_session_capture_form_links_to_writing_advice(client, project_a, contributor):
    review = PhaseReviewFactory(project=project_a)
    client.force_login(contributor)
    page = client.get(f"/projects/{project_a.code}/reviews/{review.pk}/").content.decode()
    assert 'href="/help/#writing"' in page


def test_opening_a_session_links_to_how_sessions_work(client, project_a):
    manager = UserFactory(username="pm")
    MembershipFactory(project=project_a, user=manager, role="manager")
    client.force_login(manager)
    page = client.get(f"/projects/{project_a.code}/reviews/new/").content.decode()
    assert 'href="/help/#review-sessions"' in page


def test_help_requires_signing_in(client, db):
    response = client.get("/help/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
