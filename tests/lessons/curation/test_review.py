"""The review page of one lesson (/curation/lessons/<id>/): every field, its history, and
the transitions made from it (publish, reject, send back, archive, restore, merge).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from lessons import workflow
from lessons.models import Lesson
from tests.factories import LessonFactory, UserFactory
from tests.lessons.curation.conftest import (
    TODAY,
    Status,
    anonymous,
    main_text,
    message_texts,
    submitted,
)

# -- the review page and its transitions ---------------------------------------------------------


def test_review_page_shows_every_field_and_the_history(curating, curator, contributor, project_a):
    lesson = LessonFactory(
        title="Rehearse the cutover",
        summary="Two rehearsals found the gaps.",
        context="The first cutover **overran**.",
        root_cause="No rehearsal was planned.",
        recommendation="Plan two full rehearsals.",
        early_warning="Cutover steps without owners.",
        status=Status.SUBMITTED,
        submitted_by=contributor,
        project=project_a,
        impact=Lesson.Impact.HIGH,
        likelihood=Lesson.Likelihood.LIKELY,
        occurred_on=TODAY() - timedelta(days=40),
        visibility=Lesson.Visibility.PROJECT,
        tags=["cutover", "go-live"],
    )
    response = curating.get(f"/curation/lessons/{lesson.pk}/")
    page = main_text(response)

    for shown in [
        "Rehearse the cutover",
        "Two rehearsals found the gaps.",
        "<strong>overran</strong>",
        "No rehearsal was planned.",
        "Plan two full rehearsals.",
        "Cutover steps without owners.",
        "cutover",
        "go-live",
        "PRJ-A",
        "Technical",
        "Went wrong",
        "High impact",
        "Likely",
        "Project members only",
        "Colin Contributor",
        "Submitted",
        f"/lessons/{lesson.pk}/edit/",
    ]:
        assert shown in page, shown
    assert [row.history_type for row in response.context["history"]] == ["+"]
    assert set(response.context["forms"]) == {"approve", "reject", "send_back", "merge"}


def test_review_page_of_an_anonymous_lesson_never_names_its_author(curating, curator):
    author = UserFactory(username="zeb", first_name="Zebulon", last_name="Quillhidden")
    lesson = anonymous("Anonymous lesson", author)
    workflow.approve(lesson, by=curator)
    page = curating.get(f"/curation/lessons/{lesson.pk}/").content.decode()
    assert "Anonymous" in page
    assert "Approved and published" in page and "Clara Curator" in page
    assert not re.search(r"zeb|Zebulon|Quillhidden", page, re.IGNORECASE)


def test_approve_from_the_review_page(curating, contributor, django_capture_on_commit_callbacks):
    lesson = submitted("Rehearse the cutover", submitted_by=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = curating.post(
            f"/curation/lessons/{lesson.pk}/approve/", {"approve-review_due": ""}
        )
    assert response.status_code == 302 and response["Location"] == "/curation/"
    assert message_texts(response) == [
        "“Rehearse the cutover” is published; Colin Contributor was told by e-mail."
    ]
    lesson.refresh_from_db()
    assert lesson.status == Status.PUBLISHED
    assert lesson.review_due == TODAY() + timedelta(days=365)
    assert [message.to for message in mail.outbox] == [[contributor.email]]


def test_approve_with_a_chosen_review_date(curating, contributor):
    lesson = submitted("Rehearse the cutover", submitted_by=contributor)
    chosen = TODAY() + timedelta(days=120)
    curating.post(f"/curation/lessons/{lesson.pk}/approve/", {"approve-review_due": chosen})
    assert Lesson.objects.get(pk=lesson.pk).review_due == chosen


def test_approve_with_a_past_review_date_is_refused_beside_the_field(curating, contributor):
    lesson = submitted("Rehearse the cutover", submitted_by=contributor)
    past = (TODAY() - timedelta(days=1)).isoformat()
    response = curating.post(
        f"/curation/lessons/{lesson.pk}/approve/", {"approve-review_due": past}
    )
    assert response.status_code == 200
    assert "Choose a date after today" in response.content.decode()
    assert f'value="{past}"' in response.content.decode()  # what was typed is kept
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED


def test_approving_an_anonymous_lesson_says_nobody_was_emailed(
    curating, contributor, django_capture_on_commit_callbacks
):
    lesson = anonymous("Anonymous lesson", contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = curating.post(f"/curation/lessons/{lesson.pk}/approve/")
    assert message_texts(response) == [
        "“Anonymous lesson” is published (anonymous: nobody was e-mailed)."
    ]
    assert mail.outbox == []


def test_reject_with_a_reason(curating, contributor, django_capture_on_commit_callbacks):
    lesson = submitted("Vague lesson", submitted_by=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = curating.post(
            f"/curation/lessons/{lesson.pk}/reject/", {"reject-reason": "It repeats #12."}
        )
    assert message_texts(response) == [
        "“Vague lesson” was rejected; Colin Contributor was told by e-mail."
    ]
    lesson.refresh_from_db()
    assert (lesson.status, lesson.curation_note) == (Status.REJECTED, "It repeats #12.")
    assert "It repeats #12." in mail.outbox[0].body


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_shows_the_error_and_changes_nothing(
    curating, contributor, reason, django_capture_on_commit_callbacks
):
    lesson = submitted("Vague lesson", submitted_by=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = curating.post(
            f"/curation/lessons/{lesson.pk}/reject/", {"reject-reason": reason}
        )
    assert response.status_code == 200
    form = response.context["forms"]["reject"]
    assert form.errors["reason"] == ["Say why the lesson is rejected: its author will read it."]
    page = response.content.decode()
    assert "Please check the form" in page  # the summary at the top links to the field
    assert 'href="#id_reject-reason"' in page
    # Shown at the transition's address, the page's own links still lead to the review page.
    assert f'action="/curation/lessons/{lesson.pk}/#merge"' in page
    # The page is whole again: every other transition is still there.
    assert set(response.context["forms"]) == {"approve", "reject", "send_back", "merge"}
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED
    assert mail.outbox == []


def test_a_refused_reason_keeps_what_was_typed(curating, contributor):
    lesson = submitted("Vague lesson", submitted_by=contributor)
    typed = "It repeats an older lesson. " * 80  # over the 2,000 characters allowed
    response = curating.post(f"/curation/lessons/{lesson.pk}/reject/", {"reject-reason": typed})
    assert response.status_code == 200
    assert response.context["forms"]["reject"].errors["reason"]
    assert typed.strip() in response.content.decode()
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED


def test_send_back_to_the_author_with_a_comment_they_see_on_the_draft(
    client, curating, contributor, django_capture_on_commit_callbacks
):
    lesson = submitted("Supplier lesson", submitted_by=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = curating.post(
            f"/curation/lessons/{lesson.pk}/send-back/",
            {"send_back-comment": "Say which supplier it was."},
        )
    assert message_texts(response) == [
        "“Supplier lesson” went back to its author as a draft; Colin Contributor was told by "
        "e-mail."
    ]
    lesson.refresh_from_db()
    assert (lesson.status, lesson.curation_note) == (Status.DRAFT, "Say which supplier it was.")
    client.force_login(contributor)
    assert "Say which supplier it was." in client.get(f"/lessons/{lesson.pk}/").content.decode()


def test_an_anonymous_lesson_offers_no_send_back(curating, contributor):
    lesson = anonymous("Anonymous lesson", contributor)
    response = curating.get(f"/curation/lessons/{lesson.pk}/")
    assert "send_back" not in response.context["forms"]
    assert "nobody can be asked to change it" in response.content.decode()
    refused = curating.post(
        f"/curation/lessons/{lesson.pk}/send-back/", {"send_back-comment": "Who are you?"}
    )
    assert refused.status_code == 200
    assert "This lesson is anonymous" in refused.content.decode()
    assert Lesson.objects.get(pk=lesson.pk).status == Status.SUBMITTED


def test_archive_and_restore_with_reasons_in_history(curating, curator, contributor):
    lesson = LessonFactory(title="Old lesson", submitted_by=contributor)
    response = curating.post(
        f"/curation/lessons/{lesson.pk}/archive/", {"archive-reason": "Superseded by ISO 27001"}
    )
    assert response["Location"] == f"/curation/lessons/{lesson.pk}/"
    assert message_texts(response) == [
        "“Old lesson” is archived; Colin Contributor was told by e-mail."
    ]
    assert Lesson.objects.get(pk=lesson.pk).status == Status.ARCHIVED

    response = curating.post(f"/curation/lessons/{lesson.pk}/unarchive/", {})
    assert message_texts(response)[1:] == [
        "“Old lesson” is published again; Colin Contributor was told by e-mail."
    ]
    assert Lesson.objects.get(pk=lesson.pk).status == Status.PUBLISHED
    reasons = list(lesson.history.values_list("history_change_reason", "history_user"))[:2]
    assert reasons == [
        ("Restored from the archive", curator.pk),
        ("Archived: Superseded by ISO 27001", curator.pk),
    ]
    page = curating.get(f"/curation/lessons/{lesson.pk}/").content.decode()
    assert "Archived: Superseded by ISO 27001" in page  # the history summary


def test_a_stale_click_is_refused_with_the_reason(curating, curator, contributor):
    """Two curators on one lesson: the second one's approve finds it already published."""
    lesson = submitted("Rehearse the cutover", submitted_by=contributor)
    workflow.approve(lesson, by=curator)
    response = curating.post(f"/curation/lessons/{lesson.pk}/approve/", {})
    assert response.status_code == 200
    assert "Only a submitted lesson can be published." in response.content.decode()


def test_transition_addresses_answer_post_only_and_known_ids_only(curating, contributor):
    lesson = submitted("Rehearse the cutover", submitted_by=contributor)
    assert curating.get(f"/curation/lessons/{lesson.pk}/approve/").status_code == 405
    assert curating.post(f"/curation/lessons/{lesson.pk}/delete/").status_code == 404
    assert curating.post("/curation/lessons/999999/approve/").status_code == 404
    assert curating.get("/curation/lessons/999999/").status_code == 404


# -- merge ---------------------------------------------------------------------------------------


def test_merge_from_the_review_page(curating, contributor, django_capture_on_commit_callbacks):
    kept = LessonFactory(title="Rehearse the cutover twice", tags=["cutover"])
    duplicate = submitted("Cutover rehearsals", submitted_by=contributor, tags=["rehearsal"])
    with django_capture_on_commit_callbacks(execute=True):
        response = curating.post(
            f"/curation/lessons/{duplicate.pk}/merge/",
            {"merge-into": kept.pk, "merge-reason": "Same lesson"},
        )
    assert response["Location"] == f"/curation/lessons/{kept.pk}/"
    assert message_texts(response) == [
        "“Cutover rehearsals” was merged into “Rehearse the cutover twice”; Colin Contributor "
        "was told by e-mail."
    ]
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Status.ARCHIVED, kept)
    assert sorted(kept.tags.names()) == ["cutover", "rehearsal"]
    assert curating.get(f"/lessons/{duplicate.pk}/")["Location"] == f"/lessons/{kept.pk}/"
    kept_page = curating.get(f"/curation/lessons/{kept.pk}/").content.decode()
    assert "Cutover rehearsals" in kept_page  # listed among the duplicates merged into it


def test_merge_search_lists_lessons_that_could_be_kept(curating, contributor):
    duplicate = submitted("Cutover rehearsals", submitted_by=contributor)
    published = LessonFactory(title="Rehearse the cutover twice")
    waiting = submitted("Cutover weekend plan")
    LessonFactory(title="Cutover draft", status=Status.DRAFT)
    LessonFactory(title="Cutover archived", status=Status.ARCHIVED)
    LessonFactory(title="Cutover merged", merged_into=published)

    response = curating.get(f"/curation/lessons/{duplicate.pk}/", {"find": "cutover"})
    assert {lesson.pk for lesson in response.context["found"]} == {published.pk, waiting.pk}

    only_common_words = curating.get(f"/curation/lessons/{duplicate.pk}/", {"find": "the of"})
    assert only_common_words.context["found"] == []

    by_number = curating.get(f"/curation/lessons/{duplicate.pk}/", {"find": f"#{published.pk}"})
    assert [lesson.pk for lesson in by_number.context["found"]] == [published.pk]

    chosen = curating.get(f"/curation/lessons/{duplicate.pk}/", {"into": published.pk})
    assert chosen.context["merge_target"] == published
    assert chosen.context["forms"]["merge"]["into"].value() == str(published.pk)


@pytest.mark.parametrize("into", ["", "0", "abc", "999999", "self", "draft", "merged"])
def test_merge_into_a_lesson_that_cannot_be_kept_shows_an_error(curating, contributor, into):
    duplicate = submitted("Cutover rehearsals", submitted_by=contributor)
    kept = LessonFactory(title="Kept")
    targets = {
        "self": duplicate.pk,
        "draft": LessonFactory(status=Status.DRAFT).pk,
        "merged": LessonFactory(status=Status.ARCHIVED, merged_into=kept).pk,
    }
    response = curating.post(
        f"/curation/lessons/{duplicate.pk}/merge/",
        {"merge-into": targets.get(into, into), "merge-reason": "Typed reason kept"},
    )
    assert response.status_code == 200
    assert response.context["forms"]["merge"].errors["into"]
    assert "Typed reason kept" in response.content.decode()
    assert Lesson.objects.get(pk=duplicate.pk).status == Status.SUBMITTED


def test_a_lesson_whose_author_left_offers_no_send_back(curating, deactivated):
    lesson = submitted("Left behind", submitted_by=deactivated)
    response = curating.get(f"/curation/lessons/{lesson.pk}/")
    assert "send_back" not in response.context["forms"]
    assert "Its author's account is deactivated" in response.content.decode()
    approved = curating.post(f"/curation/lessons/{lesson.pk}/approve/")
    assert message_texts(approved) == [
        f"“Left behind” is published ({deactivated.display_name} has left: nobody was e-mailed)."
    ]
