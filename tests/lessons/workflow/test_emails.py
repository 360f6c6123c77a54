"""lessons/workflow.py: the e-mail each transition sends the lesson's named submitter, once
the change is committed, and never about an anonymous lesson.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import transaction

from lessons import workflow
from lessons.models import Lesson
from tests.factories import UserFactory
from tests.lessons.workflow.conftest import CALLS, Status, anonymous_lesson, lesson_by

# -- e-mails ------------------------------------------------------------------------------------

# transition -> (status it starts from, words the e-mail must contain)
MAILED = {
    "approve": (Status.SUBMITTED, "published your lesson"),
    "reject": (Status.SUBMITTED, "Too vague"),
    "send_back": (Status.SUBMITTED, "Add the root cause"),
    "archive": (Status.PUBLISHED, "Superseded"),
    "unarchive": (Status.ARCHIVED, "back from the archive"),
    "confirm_still_valid": (Status.PUBLISHED, "still holds"),
}


@pytest.mark.parametrize("name", MAILED)
def test_each_curator_transition_emails_the_named_submitter_once(
    contributor, curator, django_capture_on_commit_callbacks, name
):
    start, words = MAILED[name]
    lesson = lesson_by(contributor, start, title="Rehearse the cutover")
    with django_capture_on_commit_callbacks(execute=True):
        CALLS[name](lesson, curator)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contributor.email]
    assert "Rehearse the cutover" in message.subject
    assert words in message.body
    assert f"/lessons/{lesson.pk}/" in message.body


def test_emails_are_plain_text_not_html_escaped(
    contributor, curator, django_capture_on_commit_callbacks
):
    lesson = lesson_by(contributor, title='Health & Safety <sign-off> wasn\'t "done"')
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(lesson, by=curator, reason="Say who & when")
    message = mail.outbox[0]
    assert 'Health & Safety <sign-off> wasn\'t "done"' in message.subject
    assert 'Health & Safety <sign-off> wasn\'t "done"' in message.body
    assert "Say who & when" in message.body and "&amp;" not in message.body


def test_submitting_sends_no_email(contributor, django_capture_on_commit_callbacks):
    lesson = lesson_by(contributor, Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(lesson, by=contributor)
    assert mail.outbox == []


def test_no_email_before_the_change_is_committed(contributor, curator):
    """The e-mail waits for the commit: a change rolled back tells nobody anything."""
    lesson = lesson_by(contributor)
    with transaction.atomic():
        workflow.approve(lesson, by=curator)
        transaction.set_rollback(True)
    assert mail.outbox == []
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED


def test_the_change_stands_when_the_mail_server_fails(
    contributor, curator, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(workflow, "send_mail", broken)
    lesson = lesson_by(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(lesson, by=curator)
    assert Lesson.objects.get(pk=lesson.pk).status == Status.PUBLISHED
    assert "Could not e-mail" in caplog.text


def test_no_email_to_a_deactivated_submitter(
    deactivated, curator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(lesson_by(deactivated), by=curator)
        workflow.archive(lesson_by(deactivated, Status.PUBLISHED), by=curator, reason="Old")
    assert mail.outbox == []


def test_no_email_about_an_anonymous_lesson_ever_reaches_its_author(
    contributor, curator, django_capture_on_commit_callbacks
):
    """Through its whole life, merges both ways included, nothing names or mails the author."""
    author = UserFactory(
        username="zeb", first_name="Zebulon", last_name="Quillhidden", email="zeb@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        lesson = anonymous_lesson(author, Status.DRAFT)
        workflow.submit(lesson, by=author)
        workflow.approve(lesson, by=curator)
        workflow.archive(lesson, by=curator, reason="Out of date")
        workflow.unarchive(lesson, by=curator, reason="Still true")
        workflow.confirm_still_valid(lesson, by=curator)
        rejected = anonymous_lesson(author)
        workflow.reject(rejected, by=curator, reason="Not a lesson")
        # A named colleague's duplicate folded into the anonymous lesson: they are told,
        # and their e-mail names the kept lesson, never its author.
        named = lesson_by(contributor, Status.PUBLISHED)
        workflow.merge(named, into=lesson, by=curator)
        # And an anonymous duplicate folded into a named lesson: nobody is told.
        duplicate = anonymous_lesson(author)
        workflow.merge(duplicate, into=lesson_by(contributor, Status.PUBLISHED), by=curator)

    assert [message.to for message in mail.outbox] == [[contributor.email]]
    for message in mail.outbox:
        text = " ".join([message.subject, message.body, *message.to, *message.cc, *message.bcc])
        assert not re.search(r"zeb|Zebulon|Quillhidden", text, re.IGNORECASE)
