"""Recording a lesson on /lessons/new/: quick capture, the optional details, the form's rules,
who may record, the preview and tag suggestions."""

from __future__ import annotations

from lessons.models import Lesson
from tests.factories import LessonFactory, MembershipFactory, PhaseFactory, ProjectFactory
from tests.lessons.capture.conftest import NEW, edit_url, quick

# -- quick capture ----------------------------------------------------------------------


def test_contributor_saves_a_draft_with_only_the_four_required_fields(
    client, contributor, project_a
):
    client.force_login(contributor)
    response = client.post(NEW, {**quick(project_a), "intent": "save"})

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
    response = client.post(NEW, {**quick(project_a), "intent": "submit"})

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
            "intent": "save",
        },
    )
    lesson = Lesson.objects.get()
    assert lesson.phase == phase
    assert set(lesson.tags.names()) == {"testing", "Vendor management"}
    assert (lesson.impact, lesson.likelihood, lesson.visibility) == ("high", "likely", "project")
    assert str(lesson.occurred_on) == "2025-03-04"


def test_an_anonymous_submission_keeps_no_submitter(client, contributor, project_a):
    client.force_login(contributor)
    response = client.post(NEW, {**quick(project_a), "is_anonymous": "on", "intent": "submit"})

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
            "intent": "submit",
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
    response = client.post(NEW, {**quick(project_b), "intent": "save"})

    assert response.status_code == 200
    assert not Lesson.objects.exists()
    assert "Choose one of your own projects" in response.content.decode()


def test_curators_may_record_a_lesson_for_any_project(client, curator, project_b):
    client.force_login(curator)
    response = client.post(NEW, {**quick(project_b), "intent": "save"})
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
        response = client.post(NEW, {**quick(project_a), "phase": phase.pk, "intent": "save"})
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
            "intent": "save",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "phase", "occurred_on", "tags"}


def test_readers_may_not_record_lessons(client, reader, project_a):
    client.force_login(reader)
    response = client.get(NEW)
    assert response.status_code == 403
    assert "Only contributors record lessons" in response.content.decode()
    assert client.post(NEW, {**quick(project_a), "intent": "save"}).status_code == 403
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
        NEW, {"title": "", "recommendation": typed, "project": project_a.pk, "intent": "preview"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>two</strong>" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page  # still in the textarea
    assert "Please check the form" not in page  # a preview is not a save
    assert not Lesson.objects.exists()


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
