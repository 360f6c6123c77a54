"""The curation pages (/curation/): the queue, the review page and its actions, the lists of
lessons due for review, possible duplicates and the archive, tags and categories.

Clara the curator works through them; Rita the reader and Colin the contributor are refused.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from lessons import workflow
from lessons.models import Category, Lesson
from tests.factories import CategoryFactory, LessonFactory, UserFactory

Status = Lesson.Status
TODAY = timezone.localdate


@pytest.fixture
def curating(client, curator):
    client.force_login(curator)
    return client


def submitted(title: str, *, days_ago: float = 0, **fields) -> Lesson:
    """A lesson created as submitted ``days_ago`` days ago (as an import would)."""
    when = timezone.now() - timedelta(days=days_ago)
    lesson = LessonFactory(title=title, status=Status.SUBMITTED, created_at=when, **fields)
    Lesson.history.filter(id=lesson.pk).update(history_date=when)
    return lesson


def anonymous(title: str, author, status: str = Status.SUBMITTED, **fields) -> Lesson:
    lesson = LessonFactory(
        title=title, submitted_by=author, is_anonymous=True, status=Status.DRAFT, **fields
    )
    lesson.status = status
    lesson.save()
    return lesson


def titles(response, name: str = "lessons") -> list[str]:
    return [lesson.title for lesson in response.context[name]]


def message_texts(response) -> list[str]:
    """Messages still to show after this response (those of earlier answers not followed
    come first)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def main_text(response) -> str:
    text = response.content.decode()
    return text[text.find("<main") : text.rfind("</main>")]


# -- the queue -----------------------------------------------------------------------------------


def test_queue_lists_submitted_lessons_longest_waiting_first(curating, contributor):
    submitted("Two days waiting", days_ago=2)
    submitted("Ten days waiting", days_ago=10)
    # Drafted long ago but submitted just now: it waits the least.
    late = LessonFactory(title="Submitted today", status=Status.DRAFT, submitted_by=contributor)
    Lesson.history.filter(id=late.pk).update(history_date=timezone.now() - timedelta(days=30))
    workflow.submit(late, by=contributor)
    for status in (Status.DRAFT, Status.PUBLISHED, Status.REJECTED, Status.ARCHIVED):
        LessonFactory(title=f"A {status} lesson", status=status)

    response = curating.get("/curation/")

    assert response.status_code == 200
    assert titles(response) == ["Ten days waiting", "Two days waiting", "Submitted today"]
    assert response.context["counts"]["submitted"] == 3


def test_a_curators_edit_does_not_move_a_lesson_down_the_queue(curating, curator, contributor):
    draft = LessonFactory(title="Waiting longest", status=Status.DRAFT, submitted_by=contributor)
    workflow.submit(draft, by=contributor)
    rows = Lesson.history.filter(id=draft.pk)
    rows.filter(status=Status.DRAFT).update(history_date=timezone.now() - timedelta(days=6))
    rows.filter(status=Status.SUBMITTED).update(history_date=timezone.now() - timedelta(days=5))
    submitted("Waiting less", days_ago=1)
    for lesson in Lesson.objects.filter(status=Status.SUBMITTED):
        lesson.summary = "Tidied by the curator while it waits."
        lesson._history_user = curator
        lesson.save()
    assert titles(curating.get("/curation/")) == ["Waiting longest", "Waiting less"]


def test_queue_shows_age_project_kind_and_submitter_but_never_an_anonymous_author(
    curating, contributor, project_a
):
    named = UserFactory(first_name="Nadia", last_name="Namedauthor")
    submitted("Named lesson", days_ago=3, submitted_by=named, project=project_a)
    author = UserFactory(username="zeb", first_name="Zebulon", last_name="Quillhidden")
    anonymous("Anonymous lesson", author, project=project_a, kind=Lesson.Kind.WENT_WELL)

    page = main_text(curating.get("/curation/"))

    assert "Nadia Namedauthor" in page
    assert "Anonymous" in page
    assert "PRJ-A" in page and "Went well" in page and "Went wrong" in page
    assert "3\xa0days" in page  # how long it has waited
    assert not re.search(r"zeb|Zebulon|Quillhidden", page, re.IGNORECASE)


def test_queue_is_paginated(curating):
    for n in range(30):
        submitted(f"Waiting {n:02}", days_ago=60 - n)
    first = curating.get("/curation/")
    second = curating.get("/curation/", {"page": 2})
    assert titles(first) == [f"Waiting {n:02}" for n in range(25)]
    assert titles(second) == [f"Waiting {n:02}" for n in range(25, 30)]
    assert "Page 1 of 2" in first.content.decode()


@pytest.mark.parametrize("waiting", [3, 40])
def test_queue_runs_a_fixed_number_of_queries(
    curating, contributor, waiting, django_assert_num_queries
):
    for n in range(waiting):
        submitted(f"Waiting {n}", days_ago=n, submitted_by=contributor if n % 2 else None)
    anonymous("Anonymous one", contributor)
    # session, signed-in user, their roles, the four tab counts, the page of lessons with
    # project, category, submitter and merged-into joined (the top bar reuses the count)
    with django_assert_num_queries(5):
        assert curating.get("/curation/").status_code == 200


# -- the review page and its actions --------------------------------------------------------------


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
    # Shown at the action's address, the page's own links still lead to the review page.
    assert f'action="/curation/lessons/{lesson.pk}/#merge"' in page
    # The page is whole again: every other action is still there.
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


def test_action_addresses_answer_post_only_and_known_ids_only(curating, contributor):
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


# -- the other lists -----------------------------------------------------------------------------


def test_due_for_review_lists_published_lessons_past_their_date_oldest_first(curating):
    LessonFactory(title="Due last month", review_due=TODAY() - timedelta(days=30))
    LessonFactory(title="Due yesterday", review_due=TODAY() - timedelta(days=1))
    LessonFactory(title="Due today", review_due=TODAY())
    LessonFactory(title="Due next year", review_due=TODAY() + timedelta(days=300))
    LessonFactory(title="No date", review_due=None)
    LessonFactory(
        title="Archived, overdue", status=Status.ARCHIVED, review_due=TODAY() - timedelta(days=9)
    )
    response = curating.get("/curation/due/")
    assert titles(response) == ["Due last month", "Due yesterday"]
    assert response.context["counts"]["due"] == 2


def test_reviewed_still_valid_from_the_due_list(curating, curator, contributor):
    lesson = LessonFactory(
        title="Due yesterday", submitted_by=contributor, review_due=TODAY() - timedelta(days=1)
    )
    response = curating.post(
        f"/curation/lessons/{lesson.pk}/still-valid/", {"next": "due"}, follow=True
    )
    assert response.redirect_chain == [("/curation/due/", 302)]
    assert titles(response) == []
    next_review = TODAY() + timedelta(days=365)
    assert message_texts(response) == [
        f"“Due yesterday” was reviewed and still holds: next review on "
        f"{next_review.day} {next_review:%b %Y}; Colin Contributor was told by e-mail."
    ]
    lesson.refresh_from_db()
    assert (lesson.review_due, lesson.reviewed_by) == (next_review, curator)
    assert lesson.history.first().history_change_reason == "Reviewed, still valid"


def test_possible_duplicates_pair_a_submitted_lesson_with_one_much_like_it(curating):
    LessonFactory(
        title="Rehearse the data migration cutover twice before go-live",
        summary="Two full rehearsals of the migration cutover found the gaps in time.",
    )
    waiting = submitted(
        "Data migration cutover needs two rehearsals",
        summary="Rehearsing the migration cutover twice found the gaps before go-live.",
    )
    submitted("Book testers early", summary="Business testers need their managers' approval.")
    LessonFactory(title="Invoice approvals stalled", summary="Finance approvers were on leave.")

    response = curating.get("/curation/duplicates/")
    pairs = [(pair.lesson.title, pair.other.title) for pair in response.context["pairs"]]
    assert pairs == [
        (waiting.title, "Rehearse the data migration cutover twice before go-live"),
    ]
    assert f"/curation/lessons/{waiting.pk}/?into=" in response.content.decode()


def test_archived_list_shows_archived_and_merged_lessons(curating):
    kept = LessonFactory(title="Kept lesson")
    LessonFactory(title="Archived lesson", status=Status.ARCHIVED)
    LessonFactory(title="Merged duplicate", status=Status.ARCHIVED, merged_into=kept)
    response = curating.get("/curation/archived/")
    assert set(titles(response)) == {"Archived lesson", "Merged duplicate"}
    assert f'href="/curation/lessons/{kept.pk}/">#{kept.pk}</a>' in response.content.decode()


def test_the_top_bar_counts_submitted_lessons_for_curators_only(client, curator, reader):
    submitted("One")
    submitted("Two")
    client.force_login(curator)
    page = client.get("/").content.decode()
    assert re.search(r'>Curation <span class="nav-count">2<', page)
    client.force_login(reader)
    assert "/curation/" not in client.get("/").content.decode()


# -- tags ------------------------------------------------------------------------------------------


def test_tags_are_listed_with_usage_and_can_be_searched(curating):
    LessonFactory(tags=["cutover", "go-live"])
    LessonFactory(tags=["cutover"])
    Tag.objects.create(name="unused-tag", slug="unused-tag")
    response = curating.get("/curation/tags/")
    assert [(tag.name, tag.lesson_uses) for tag in response.context["tags"]] == [
        ("cutover", 2),
        ("go-live", 1),
        ("unused-tag", 0),
    ]
    found = curating.get("/curation/tags/", {"q": "live"})
    assert [tag.name for tag in found.context["tags"]] == ["go-live"]
    unused = curating.get("/curation/tags/", {"unused": "1"})
    assert [tag.name for tag in unused.context["tags"]] == ["unused-tag"]


def test_renaming_a_tag_makes_its_lessons_found_by_the_new_name(curating):
    lesson = LessonFactory(title="Rehearse the cutover", tags=["golive"])
    tag = Tag.objects.get(name="golive")

    response = curating.post(f"/curation/tags/{tag.pk}/rename/", {"rename-name": "hypercare"})

    assert message_texts(response) == [
        "The tag “golive” is now “hypercare” on every lesson that had it."
    ]
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("hypercare", "hypercare")
    assert titles(curating.get("/lessons/", {"q": "hypercare"})) == [lesson.title]
    assert titles(curating.get("/lessons/", {"q": "golive"})) == []
    assert titles(curating.get("/lessons/", {"tag": "hypercare"})) == [lesson.title]


def test_tag_changes_are_recorded_in_each_lessons_history_without_naming_anonymous_authors(
    curating, curator, contributor
):
    named = LessonFactory(title="Named lesson", tags=["golive"])
    draft = LessonFactory(
        tags=["golive"], submitted_by=contributor, is_anonymous=True, status=Status.DRAFT
    )
    version = named.version
    tag = Tag.objects.get(name="golive")

    curating.post(f"/curation/tags/{tag.pk}/rename/", {"rename-name": "hypercare"})

    latest = named.history.first()
    assert latest.history_user == curator
    assert latest.history_change_reason == "Tag “golive” renamed to “hypercare”"
    assert draft.history.first().history_change_reason == "Tag “golive” renamed to “hypercare”"
    assert not draft.history.exclude(submitted_by=None).exists()
    named.refresh_from_db()
    assert named.version == version  # nobody's open edit is refused over a tag


def test_renaming_a_tag_to_an_existing_name_suggests_a_merge(curating):
    LessonFactory(tags=["golive", "go-live"])
    tag = Tag.objects.get(name="golive")
    response = curating.post(f"/curation/tags/{tag.pk}/rename/", {"rename-name": "Go-Live"})
    assert response.status_code == 200
    assert response.context["rename_form"].errors["name"] == [
        "There is already a tag “go-live”: merge this tag into it instead."
    ]
    assert Tag.objects.get(pk=tag.pk).name == "golive"


def test_merging_tags_moves_every_lesson_without_doubles(curating):
    both = LessonFactory(title="Tagged with both", tags=["golive", "go-live"])
    only_old = LessonFactory(title="Tagged with the old tag only", tags=["golive"])
    only_new = LessonFactory(title="Tagged go-live only", tags=["go-live"])
    old, new = Tag.objects.get(name="golive"), Tag.objects.get(name="go-live")

    response = curating.post(f"/curation/tags/{old.pk}/merge/", {"merge-into": "GO-LIVE"})

    assert response["Location"] == f"/curation/tags/{new.pk}/"
    assert message_texts(response) == [
        "The tag “golive” was merged into “go-live”: every lesson that had it is now tagged "
        "“go-live”."
    ]
    assert not Tag.objects.filter(pk=old.pk).exists()
    assert sorted(TaggedItem.objects.filter(tag=new).values_list("object_id", flat=True)) == sorted(
        [both.pk, only_old.pk, only_new.pk]
    )
    assert TaggedItem.objects.filter(object_id=both.pk).count() == 1
    assert only_old.history.first().history_change_reason == "Tag “golive” merged into “go-live”"
    found = curating.get("/lessons/", {"q": "go-live"})
    assert set(titles(found)) == {both.title, only_old.title, only_new.title}
    assert titles(curating.get("/lessons/", {"q": "golive"})) == []


def test_merging_a_tag_into_itself_or_an_unknown_tag_is_refused(curating):
    LessonFactory(tags=["golive"])
    tag = Tag.objects.get(name="golive")
    for into, error in [("golive", "cannot be merged into itself"), ("nope", "no tag “nope”")]:
        response = curating.post(f"/curation/tags/{tag.pk}/merge/", {"merge-into": into})
        assert response.status_code == 200
        assert error in response.context["merge_form"].errors["into"][0]
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_only_an_unused_tag_can_be_deleted(curating):
    LessonFactory(tags=["cutover"])
    used = Tag.objects.get(name="cutover")
    unused = Tag.objects.create(name="orphan", slug="orphan")

    refused = curating.post(f"/curation/tags/{used.pk}/delete/")
    assert refused["Location"] == f"/curation/tags/{used.pk}/"
    assert "still used 1 time" in message_texts(refused)[0]
    assert Tag.objects.filter(pk=used.pk).exists()

    deleted = curating.post(f"/curation/tags/{unused.pk}/delete/")
    assert deleted["Location"] == "/curation/tags/"
    assert message_texts(deleted)[1:] == ["The unused tag “orphan” was deleted."]
    assert not Tag.objects.filter(pk=unused.pk).exists()


# -- categories ------------------------------------------------------------------------------------


def test_categories_are_listed_with_usage(curating):
    LessonFactory()  # Technical
    response = curating.get("/curation/categories/")
    uses = {category.name: category.uses for category in response.context["categories"]}
    assert uses["Technical"] == 1 and uses["Financial"] == 0


def test_adding_a_category_makes_its_slug_from_the_name(curating):
    response = curating.post(
        "/curation/categories/",
        {"add-name": "Health & Safety", "add-slug": "", "add-description": "Site safety."},
    )
    assert response["Location"] == "/curation/categories/"
    assert message_texts(response) == ["The category “Health & Safety” was added."]
    category = Category.objects.get(name="Health & Safety")
    assert (category.slug, category.description) == ("health-safety", "Site safety.")


def test_adding_a_category_with_a_name_in_use_shows_the_error(curating):
    response = curating.post("/curation/categories/", {"add-name": "Technical"})
    assert response.status_code == 200
    assert "There is already a category with this name." in response.content.decode()
    assert Category.objects.filter(name="Technical").count() == 1


def test_renaming_and_describing_a_category(curating):
    category = CategoryFactory(name="Vendors", slug="vendors")
    response = curating.post(
        f"/curation/categories/{category.pk}/",
        {"name": "Suppliers", "slug": "vendors", "description": "Who we buy from."},
    )
    assert message_texts(response) == ["The category “Suppliers” was saved."]
    category.refresh_from_db()
    assert (category.name, category.slug, category.description) == (
        "Suppliers",
        "vendors",
        "Who we buy from.",
    )


def test_only_an_unused_category_can_be_deleted(curating):
    LessonFactory(status=Status.ARCHIVED)  # archived lessons count too
    technical = Category.objects.get(slug="technical")
    unused = CategoryFactory(name="Spare", slug="spare")

    refused = curating.post(f"/curation/categories/{technical.pk}/delete/")
    assert message_texts(refused) == [
        "“Technical” is used by 1 lesson, so it cannot be deleted: give those lessons "
        "another category first, or rename this one."
    ]
    assert Category.objects.filter(pk=technical.pk).exists()
    page = curating.get(f"/curation/categories/{technical.pk}/").content.decode()
    assert "cannot be deleted" in page

    curating.post(f"/curation/categories/{unused.pk}/delete/")
    assert not Category.objects.filter(pk=unused.pk).exists()


# -- who may curate --------------------------------------------------------------------------------


@pytest.fixture
def everything(db, contributor):
    """One of each thing the curation pages act on."""
    return {
        "lesson": submitted("Waiting lesson", submitted_by=contributor, tags=["cutover"]),
        "published": LessonFactory(title="Published lesson"),
        "tag": Tag.objects.get(name="cutover"),
        "category": CategoryFactory(name="Spare", slug="spare"),
    }


def curation_urls(things: dict) -> list[tuple[str, str, dict]]:
    lesson, published = things["lesson"].pk, things["published"].pk
    tag, category = things["tag"].pk, things["category"].pk
    return [
        ("get", "/curation/", {}),
        ("get", "/curation/due/", {}),
        ("get", "/curation/duplicates/", {}),
        ("get", "/curation/archived/", {}),
        ("get", f"/curation/lessons/{lesson}/", {}),
        ("post", f"/curation/lessons/{lesson}/approve/", {}),
        ("post", f"/curation/lessons/{lesson}/reject/", {"reject-reason": "No"}),
        ("post", f"/curation/lessons/{lesson}/send-back/", {"send_back-comment": "No"}),
        ("post", f"/curation/lessons/{lesson}/merge/", {"merge-into": published}),
        ("post", f"/curation/lessons/{published}/archive/", {}),
        ("post", f"/curation/lessons/{published}/still-valid/", {}),
        ("post", f"/curation/lessons/{published}/unarchive/", {}),
        ("get", "/curation/tags/", {}),
        ("get", f"/curation/tags/{tag}/", {}),
        ("post", f"/curation/tags/{tag}/rename/", {"rename-name": "renamed"}),
        ("post", f"/curation/tags/{tag}/merge/", {"merge-into": "cutover"}),
        ("post", f"/curation/tags/{tag}/delete/", {}),
        ("get", "/curation/categories/", {}),
        ("post", "/curation/categories/", {"add-name": "New one"}),
        ("get", f"/curation/categories/{category}/", {}),
        ("post", f"/curation/categories/{category}/", {"name": "Renamed"}),
        ("post", f"/curation/categories/{category}/delete/", {}),
    ]


@pytest.mark.parametrize("persona", ["reader", "contributor"])
def test_everyone_but_curators_is_refused_everywhere_and_changes_nothing(
    client, db, everything, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    before = (
        list(Lesson.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Tag.objects.order_by("pk").values_list("pk", "name")),
        list(Category.objects.order_by("pk").values_list("pk", "name")),
    )
    for method, url, data in curation_urls(everything):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
        assert "Waiting lesson" not in response.content.decode()
    after = (
        list(Lesson.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Tag.objects.order_by("pk").values_list("pk", "name")),
        list(Category.objects.order_by("pk").values_list("pk", "name")),
    )
    assert after == before


def test_signed_out_visitors_are_sent_to_sign_in(client, everything):
    for method, url, data in curation_urls(everything):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_administrators_curate_too(client, administrator, everything):
    client.force_login(administrator)
    for method, url, _ in curation_urls(everything):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_a_lesson_whose_author_left_offers_no_send_back(curating, deactivated):
    lesson = submitted("Left behind", submitted_by=deactivated)
    response = curating.get(f"/curation/lessons/{lesson.pk}/")
    assert "send_back" not in response.context["forms"]
    assert "Its author's account is deactivated" in response.content.decode()
    approved = curating.post(f"/curation/lessons/{lesson.pk}/approve/")
    assert message_texts(approved) == [
        f"“Left behind” is published ({deactivated.display_name} has left: nobody was e-mailed)."
    ]
