"""Editing a lesson on /lessons/<id>/edit/: the author's draft, a curator's edit and its
reason, and edit conflicts (version locking: what changed, keep my version)."""

from __future__ import annotations

from django.test import Client

from lessons.models import Lesson
from tests.factories import LessonFactory
from tests.lessons.capture.conftest import edit_url, loaded_form

# -- editing ---------------------------------------------------------------------------------


def test_the_author_edits_a_draft_but_not_a_submitted_lesson(client, contributor, project_a):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)

    data = loaded_form(client, draft)
    response = client.post(edit_url(draft), {**data, "title": "Better title", "intent": "save"})
    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.title == "Better title"
    assert draft.status == Lesson.Status.DRAFT

    submitted = LessonFactory(project=project_a, submitted_by=contributor, status="submitted")
    assert client.get(edit_url(submitted)).status_code == 403
    data = {**data, "version": submitted.version, "intent": "save"}
    assert client.post(edit_url(submitted), data).status_code == 403
    submitted.refresh_from_db()
    assert submitted.title != "Better title"


def test_the_author_submits_a_draft_from_the_edit_page(client, contributor, project_a):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)
    data = loaded_form(client, draft)
    client.post(edit_url(draft), {**data, "intent": "submit"})
    draft.refresh_from_db()
    assert draft.status == Lesson.Status.SUBMITTED


def test_a_curator_edits_a_published_lesson_and_it_stays_published(client, curator, project_b):
    lesson = LessonFactory(project=project_b, status="published")
    client.force_login(curator)

    data = loaded_form(client, lesson)
    response = client.post(
        edit_url(lesson), {**data, "summary": "Clearer summary.", "intent": "save"}
    )

    lesson.refresh_from_db()
    assert response.status_code == 302
    assert lesson.summary == "Clearer summary."
    assert lesson.status == Lesson.Status.PUBLISHED
    assert lesson.published_at is not None
    assert "Changes saved" in client.get(lesson.get_absolute_url()).content.decode()


def test_a_curators_edit_keeps_its_reason_in_history_and_tells_the_author(
    client, curator, contributor, project_a, mailoutbox, django_capture_on_commit_callbacks
):
    lesson = LessonFactory(project=project_a, submitted_by=contributor, status="published")
    anonymous = LessonFactory(project=project_a, submitted_by=contributor, is_anonymous=True)
    client.force_login(curator)

    with django_capture_on_commit_callbacks(execute=True):
        for each in (lesson, anonymous):
            data = loaded_form(client, each)
            reason = "Named the supplier's process, not the person"
            client.post(edit_url(each), {**data, "change_reason": reason, "intent": "save"})

    latest = lesson.history.first()
    assert latest.history_user == curator
    assert latest.history_change_reason == "Named the supplier's process, not the person"
    assert anonymous.history.first().history_change_reason == reason
    assert [mail.to for mail in mailoutbox] == [[contributor.email]]  # not for the anonymous one
    assert "Named the supplier's process" in mailoutbox[0].body


def test_the_author_is_not_asked_why_they_edit_their_own_draft(client, contributor, project_a):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)
    assert "What did you change" not in client.get(edit_url(draft)).content.decode()


def test_a_curator_cannot_change_whether_someone_elses_lesson_is_anonymous(
    client, curator, contributor, project_a
):
    lesson = LessonFactory(project=project_a, submitted_by=contributor, status="published")
    client.force_login(curator)
    data = loaded_form(client, lesson)
    client.post(edit_url(lesson), {**data, "is_anonymous": "on", "intent": "save"})
    lesson.refresh_from_db()
    assert lesson.is_anonymous is False
    assert lesson.submitted_by == contributor


def test_editing_a_lesson_one_may_not_see_is_404(client, contributor, project_b):
    hidden = LessonFactory(project=project_b, visibility="restricted")
    client.force_login(contributor)
    assert client.get(edit_url(hidden)).status_code == 404
    assert client.post(edit_url(hidden), {"title": "x"}).status_code == 404


def test_readers_see_no_edit_link_and_authors_see_it_on_their_draft(
    client, reader, contributor, project_a
):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    published = LessonFactory(project=project_a)
    client.force_login(contributor)
    assert edit_url(draft) in client.get(draft.get_absolute_url()).content.decode()
    client.force_login(reader)
    assert edit_url(published) not in client.get(published.get_absolute_url()).content.decode()


def test_a_draft_sent_back_shows_the_curators_note(client, contributor, project_a):
    draft = LessonFactory(
        project=project_a,
        submitted_by=contributor,
        status="draft",
        curation_note="Please say what to do next time, not only what happened.",
    )
    client.force_login(contributor)
    page = client.get(edit_url(draft)).content.decode()
    assert "A curator sent this back to you" in page
    assert "Please say what to do next time, not only what happened." in page


# -- edit conflicts ---------------------------------------------------------------------------


def test_a_stale_save_is_refused_showing_what_changed_and_keep_my_version_then_saves(
    client, contributor, curator, project_a
):
    lesson = LessonFactory(
        project=project_a, submitted_by=contributor, status="draft", title="Original title"
    )
    author, other = client, Client()
    author.force_login(contributor)
    other.force_login(curator)
    mine = loaded_form(author, lesson)
    theirs = loaded_form(other, lesson)

    # The curator saves first.
    other.post(edit_url(lesson), {**theirs, "title": "Curator's title", "intent": "save"})

    # The author's save, from the version loaded before, is refused.
    typed = "My **careful** rewrite of the lesson."
    response = author.post(edit_url(lesson), {**mine, "recommendation": typed, "intent": "save"})
    lesson.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 409
    assert lesson.title == "Curator's title"
    assert lesson.recommendation != typed
    assert "Not saved: this lesson changed while you were editing it" in page
    assert "Clara Curator saved it" in page
    assert "Curator&#x27;s title" in page and "Original title" in page
    changed = [change.label for change in response.context["conflict"].changes]
    assert changed == ["Title"]
    assert typed in page  # the author's text is still in the form
    form = response.context["form"]
    assert form["version"].value() == str(lesson.version)

    # "Keep my version": the same text, now with the current version, is saved.
    response = author.post(
        edit_url(lesson),
        {**mine, "recommendation": typed, "version": form["version"].value(), "intent": "save"},
    )
    lesson.refresh_from_db()
    assert response.status_code == 302
    assert lesson.recommendation == typed
    assert lesson.title == "Original title"  # deliberately kept from the author's form


def test_a_conflict_on_an_anonymous_lesson_names_nobody(client, contributor, curator, project_a):
    lesson = LessonFactory(
        project=project_a, submitted_by=contributor, status="draft", is_anonymous=True
    )
    author, other = client, Client()
    author.force_login(contributor)
    other.force_login(curator)
    mine = loaded_form(author, lesson)
    other.post(edit_url(lesson), {**loaded_form(other, lesson), "title": "New", "intent": "save"})

    response = author.post(edit_url(lesson), {**mine, "intent": "save"})
    assert response.status_code == 409
    assert "Someone else saved it" in response.content.decode()
    assert "Clara" not in response.content.decode()


def test_a_draft_submitted_meanwhile_keeps_the_authors_text_but_cannot_be_saved(
    client, contributor, project_a
):
    lesson = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)
    mine = loaded_form(client, lesson)
    client.post(f"/lessons/{lesson.pk}/submit/", {"intent": "submit"})

    response = client.post(edit_url(lesson), {**mine, "summary": "Typed late", "intent": "save"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Typed late" in page
    assert "you can no longer change it here" in page
    assert 'value="save"' not in page


def test_a_garbled_version_is_a_conflict_not_a_server_error(client, contributor, project_a):
    lesson = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)
    mine = loaded_form(client, lesson)
    for garbled in ("", "many", "²", "9" * 30):
        response = client.post(edit_url(lesson), {**mine, "version": garbled, "intent": "save"})
        assert response.status_code == 409
        assert response.context["form"]["version"].value() == str(lesson.version)
    lesson.refresh_from_db()
    assert lesson.version == 1
