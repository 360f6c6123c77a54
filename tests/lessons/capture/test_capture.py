"""Recording and editing lessons: quick capture, the duplicate check, edit conflicts (issue 5)."""

from __future__ import annotations

import pytest
from django.test import Client

from lessons.models import Lesson
from tests.factories import LessonFactory, MembershipFactory, PhaseFactory, ProjectFactory

NEW = "/lessons/new/"


def quick(project, **extra) -> dict:
    """The four required fields, and nothing else."""
    return {
        "title": "Book the test environment before the build starts",
        "recommendation": "Make the test environment a *deliverable* with readiness criteria.",
        "project": project.pk,
        "kind": "went_wrong",
        **extra,
    }


def edit_url(lesson: Lesson) -> str:
    return f"/lessons/{lesson.pk}/edit/"


def loaded_form(client: Client, lesson: Lesson) -> dict:
    """What the edit page's form would post back unchanged (its version included)."""
    form = client.get(edit_url(lesson)).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if name == "tags":
            value = ", ".join(tag.name for tag in value or [])
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
        if hasattr(field, "prepare_value") and name in ("project", "phase", "category"):
            data[name] = field.prepare_value(value)
    return data


# -- quick capture ----------------------------------------------------------------------


def test_contributor_saves_a_draft_with_only_the_four_required_fields(
    client, contributor, project_a
):
    client.force_login(contributor)
    response = client.post(NEW, {**quick(project_a), "action": "save"})

    lesson = Lesson.objects.get()
    assert response.status_code == 302
    assert response["Location"] == lesson.get_absolute_url()
    assert lesson.status == Lesson.Status.DRAFT
    assert lesson.submitted_by == contributor
    assert lesson.visibility == Lesson.Visibility.ORGANISATION
    assert (lesson.impact, lesson.likelihood) == ("medium", "possible")
    assert lesson.category is None and lesson.phase is None
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Draft saved" in page
    assert "Edit draft" in page


def test_submit_for_review_submits_when_nothing_looks_the_same(client, contributor, project_a):
    client.force_login(contributor)
    response = client.post(NEW, {**quick(project_a), "action": "submit"})

    lesson = Lesson.objects.get()
    assert lesson.status == Lesson.Status.SUBMITTED
    assert lesson.submitted_by == contributor
    assert response["Location"] == lesson.get_absolute_url()


def test_the_optional_details_and_tags_are_saved(client, contributor, project_a, db):
    phase = PhaseFactory(project=project_a, name="Execution")
    client.force_login(contributor)
    client.post(
        NEW,
        {
            **quick(project_a),
            "summary": "Testing lost three weeks.",
            "context": "The supplier's environment was late.",
            "root_cause": "No readiness criteria.",
            "phase": phase.pk,
            "tags": "testing, Vendor management",
            "impact": "high",
            "likelihood": "likely",
            "occurred_on": "2025-03-04",
            "visibility": "project",
            "action": "save",
        },
    )
    lesson = Lesson.objects.get()
    assert lesson.phase == phase
    assert set(lesson.tags.names()) == {"testing", "Vendor management"}
    assert (lesson.impact, lesson.likelihood, lesson.visibility) == ("high", "likely", "project")
    assert str(lesson.occurred_on) == "2025-03-04"


def test_an_anonymous_submission_keeps_no_submitter(client, contributor, project_a):
    client.force_login(contributor)
    response = client.post(NEW, {**quick(project_a), "is_anonymous": "on", "action": "submit"})

    lesson = Lesson.objects.get()
    assert lesson.status == Lesson.Status.SUBMITTED
    assert lesson.submitted_by is None
    assert not lesson.history.filter(submitted_by__isnull=False).exists()
    assert not lesson.history.filter(history_user=contributor).exists()
    # Nothing links it to its author any more, so the author cannot open it either.
    assert response["Location"] == "/"
    assert client.get(lesson.get_absolute_url()).status_code == 404


def test_errors_keep_everything_typed_markdown_included(client, contributor, project_a):
    client.force_login(contributor)
    response = client.post(
        NEW,
        {
            "title": "",
            "recommendation": "- **Rehearse** the cutover\n- Then [check](https://example.org)",
            "context": "We went live on a *Friday* & regretted it.",
            "tags": "cutover, go-live",
            "kind": "went_wrong",
            "project": project_a.pk,
            "action": "submit",
        },
    )

    assert response.status_code == 200
    assert not Lesson.objects.exists()
    page = response.content.decode()
    assert "Please check the form" in page
    assert "Title: This field is required." in page
    assert "- **Rehearse** the cutover\n- Then [check](https://example.org)" in page
    assert "We went live on a *Friday* &amp; regretted it." in page
    assert 'value="cutover, go-live"' in page
    assert '<details class="panel capture-more" open>' in page  # detail values: opened


def test_only_the_users_own_projects_are_offered(client, contributor, project_a, project_b):
    client.force_login(contributor)
    form = client.get(NEW).context["form"]
    assert list(form.fields["project"].queryset) == [project_a]


def test_a_project_the_user_is_not_in_is_refused_with_a_field_error(client, contributor, project_b):
    client.force_login(contributor)
    response = client.post(NEW, {**quick(project_b), "action": "save"})

    assert response.status_code == 200
    assert not Lesson.objects.exists()
    assert "Choose one of your own projects" in response.content.decode()


def test_curators_may_record_a_lesson_for_any_project(client, curator, project_b):
    client.force_login(curator)
    response = client.post(NEW, {**quick(project_b), "action": "save"})
    assert response.status_code == 302
    assert Lesson.objects.get().project == project_b


def test_a_phase_of_another_project_is_refused(client, contributor, project_a, project_b):
    other_own_project = ProjectFactory(code="PRJ-C")
    MembershipFactory(project=other_own_project, user=contributor)
    client.force_login(contributor)
    for phase in (
        PhaseFactory(project=project_b, name="Closure"),
        PhaseFactory(project=other_own_project, name="Planning"),
    ):
        response = client.post(NEW, {**quick(project_a), "phase": phase.pk, "action": "save"})
        assert response.status_code == 200
        assert "This phase is not one of PRJ-A&#x27;s phases" in response.content.decode()
    assert not Lesson.objects.exists()


def test_a_garbled_choice_is_a_field_error_not_a_server_error(client, contributor, project_a):
    client.force_login(contributor)
    response = client.post(
        NEW,
        {
            **quick(project_a),
            "kind": "sideways",
            "phase": "x",
            "occurred_on": "yesterday",
            "version": "many",
            "tags": "x" * 101,
            "action": "save",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "phase", "occurred_on", "tags"}


def test_readers_may_not_record_lessons(client, reader, project_a):
    client.force_login(reader)
    response = client.get(NEW)
    assert response.status_code == 403
    assert "Only contributors record lessons" in response.content.decode()
    assert client.post(NEW, {**quick(project_a), "action": "save"}).status_code == 403
    assert not Lesson.objects.exists()


def test_the_record_button_is_shown_to_contributors_only(client, contributor, reader):
    client.force_login(contributor)
    assert "Record a lesson" in client.get("/").content.decode()
    client.force_login(reader)
    assert "Record a lesson" not in client.get("/").content.decode()


def test_the_form_explains_anonymity_beside_the_checkbox(client, contributor):
    client.force_login(contributor)
    page = client.get(NEW).content.decode()
    promise = Lesson._meta.get_field("is_anonymous").help_text
    assert promise in page
    assert 'aria-describedby="id_is_anonymous_helptext"' in page


def test_the_create_page_runs_a_bounded_number_of_queries(
    client, contributor, project_a, django_assert_max_num_queries
):
    for _ in range(3):
        PhaseFactory(project=project_a)
        LessonFactory(project=project_a, tags=["testing", "suppliers"])
    client.force_login(contributor)
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.get(NEW)  # warm the content-type cache
    # session, user, roles; phases; tag suggestions; projects; categories
    with django_assert_max_num_queries(7):
        assert client.get(NEW).status_code == 200
    # the same, and the lesson and its tags
    with django_assert_max_num_queries(9):
        assert client.get(edit_url(draft)).status_code == 200


# -- preview -------------------------------------------------------------------------------


def test_preview_renders_sanitised_markdown_and_keeps_the_text(client, contributor, project_a):
    client.force_login(contributor)
    typed = "Use **two** rehearsals.\n\n<script>alert('x')</script>"
    response = client.post(
        NEW, {"title": "", "recommendation": typed, "project": project_a.pk, "action": "preview"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>two</strong>" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page  # still in the textarea
    assert "Please check the form" not in page  # a preview is not a save
    assert not Lesson.objects.exists()


# -- the duplicate check -----------------------------------------------------------------------


@pytest.fixture
def similar_lessons(db, project_b):
    visible = LessonFactory(
        title="Supplier test environment arrived three weeks late",
        recommendation="Make each test environment a deliverable with readiness criteria.",
    )
    hidden = LessonFactory(
        title="Supplier test environment arrived late again, restricted",
        recommendation="Make the test environment a deliverable with readiness criteria.",
        visibility=Lesson.Visibility.RESTRICTED,
        project=project_b,
    )
    return visible, hidden


def submit_similar(client, project) -> Lesson:
    client.post(
        NEW,
        {
            **quick(project, title="Supplier test environment was three weeks late"),
            "action": "submit",
        },
    )
    return Lesson.objects.get(title="Supplier test environment was three weeks late")


def test_similar_visible_lessons_are_shown_before_submitting_and_hidden_ones_never(
    client, contributor, project_a, similar_lessons
):
    visible, hidden = similar_lessons
    client.force_login(contributor)
    response = client.post(
        NEW,
        {
            **quick(project_a, title="Supplier test environment was three weeks late"),
            "action": "submit",
        },
    )
    lesson = Lesson.objects.get(title="Supplier test environment was three weeks late")

    assert response["Location"] == f"/lessons/{lesson.pk}/submit/"
    assert lesson.status == Lesson.Status.DRAFT  # saved, not yet submitted
    page = client.get(response["Location"]).content.decode()
    assert visible.title in page
    assert hidden.title not in page
    assert "Link as a recurrence and submit" in page
    assert "It is different: submit anyway" in page
    assert visible.get_absolute_url() in page


def test_linking_as_a_recurrence_sets_it_and_submits(
    client, contributor, project_a, similar_lessons
):
    visible, _ = similar_lessons
    client.force_login(contributor)
    lesson = submit_similar(client, project_a)

    response = client.post(
        f"/lessons/{lesson.pk}/submit/", {"action": "recurrence", "recurrence_of": visible.pk}
    )

    lesson.refresh_from_db()
    assert response.status_code == 302
    assert lesson.recurrence_of == visible
    assert lesson.status == Lesson.Status.SUBMITTED


def test_a_recurrence_of_a_lesson_one_may_not_see_is_refused(
    client, contributor, project_a, similar_lessons
):
    _, hidden = similar_lessons
    client.force_login(contributor)
    lesson = submit_similar(client, project_a)

    for chosen in (hidden.pk, "", "abc"):
        response = client.post(
            f"/lessons/{lesson.pk}/submit/", {"action": "recurrence", "recurrence_of": chosen}
        )
        assert response.status_code == 400
        assert "Choose the earlier lesson" in response.content.decode()
        assert hidden.title not in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.recurrence_of is None
    assert lesson.status == Lesson.Status.DRAFT


def test_submit_anyway_submits_without_a_link(client, contributor, project_a, similar_lessons):
    client.force_login(contributor)
    lesson = submit_similar(client, project_a)

    client.post(f"/lessons/{lesson.pk}/submit/", {"action": "submit"})

    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.SUBMITTED
    assert lesson.recurrence_of is None


def test_someone_elses_draft_cannot_be_submitted(client, contributor, reader, project_a):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(reader)
    assert client.post(f"/lessons/{draft.pk}/submit/", {"action": "submit"}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Lesson.Status.DRAFT


# -- editing ---------------------------------------------------------------------------------


def test_the_author_edits_a_draft_but_not_a_submitted_lesson(client, contributor, project_a):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)

    data = loaded_form(client, draft)
    response = client.post(edit_url(draft), {**data, "title": "Better title", "action": "save"})
    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.title == "Better title"
    assert draft.status == Lesson.Status.DRAFT

    submitted = LessonFactory(project=project_a, submitted_by=contributor, status="submitted")
    assert client.get(edit_url(submitted)).status_code == 403
    data = {**data, "version": submitted.version, "action": "save"}
    assert client.post(edit_url(submitted), data).status_code == 403
    submitted.refresh_from_db()
    assert submitted.title != "Better title"


def test_the_author_submits_a_draft_from_the_edit_page(client, contributor, project_a):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)
    data = loaded_form(client, draft)
    client.post(edit_url(draft), {**data, "action": "submit"})
    draft.refresh_from_db()
    assert draft.status == Lesson.Status.SUBMITTED


def test_a_curator_edits_a_published_lesson_and_it_stays_published(client, curator, project_b):
    lesson = LessonFactory(project=project_b, status="published")
    client.force_login(curator)

    data = loaded_form(client, lesson)
    response = client.post(
        edit_url(lesson), {**data, "summary": "Clearer summary.", "action": "save"}
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
            client.post(edit_url(each), {**data, "change_reason": reason, "action": "save"})

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
    client.post(edit_url(lesson), {**data, "is_anonymous": "on", "action": "save"})
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
    other.post(edit_url(lesson), {**theirs, "title": "Curator's title", "action": "save"})

    # The author's save, from the version loaded before, is refused.
    typed = "My **careful** rewrite of the lesson."
    response = author.post(edit_url(lesson), {**mine, "recommendation": typed, "action": "save"})
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
        {**mine, "recommendation": typed, "version": form["version"].value(), "action": "save"},
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
    other.post(edit_url(lesson), {**loaded_form(other, lesson), "title": "New", "action": "save"})

    response = author.post(edit_url(lesson), {**mine, "action": "save"})
    assert response.status_code == 409
    assert "Someone else saved it" in response.content.decode()
    assert "Clara" not in response.content.decode()


def test_a_draft_submitted_meanwhile_keeps_the_authors_text_but_cannot_be_saved(
    client, contributor, project_a
):
    lesson = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(contributor)
    mine = loaded_form(client, lesson)
    client.post(f"/lessons/{lesson.pk}/submit/", {"action": "submit"})

    response = client.post(edit_url(lesson), {**mine, "summary": "Typed late", "action": "save"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Typed late" in page
    assert "you can no longer change it here" in page
    assert 'value="save"' not in page


# -- tag suggestions ------------------------------------------------------------------------


def test_tag_suggestions_come_only_from_lessons_the_user_may_see(client, contributor, project_b):
    LessonFactory(tags=["testing", "test-automation"])
    LessonFactory(tags=["testing"])
    LessonFactory(project=project_b, visibility="restricted", tags=["test-secret"])
    client.force_login(contributor)

    assert client.get("/lessons/tags.json?q=test").json() == {
        "tags": ["testing", "test-automation"]
    }
    page = client.get(NEW).content.decode()
    assert '<option value="testing">' in page
    assert "test-secret" not in page


def test_a_draft_with_no_lookalikes_is_submitted_from_its_own_page(client, contributor, project_a):
    draft = LessonFactory(
        project=project_a, submitted_by=contributor, status="draft", title="Unusual zebra"
    )
    client.force_login(contributor)
    assert f"/lessons/{draft.pk}/submit/" in client.get(draft.get_absolute_url()).content.decode()
    page = client.get(f"/lessons/{draft.pk}/submit/").content.decode()
    assert "No recorded lesson looks like" in page
    client.post(f"/lessons/{draft.pk}/submit/", {"action": "submit"})
    draft.refresh_from_db()
    assert draft.status == Lesson.Status.SUBMITTED
