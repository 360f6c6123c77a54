"""Search behaviour, identical on both backends (SQLite FTS5 and PostgreSQL tsvector)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from taggit.models import Tag

from lessons import search
from lessons.models import Category, Lesson
from lessons.ratings import rate_lesson
from lessons.search.backends import postgres as postgres_search
from tests.factories import LessonFactory, ProjectFactory, UserFactory


def titles(response) -> list[str]:
    return [lesson.title for lesson in response.context["lessons"]]


def search_titles(client, **params) -> list[str]:
    response = client.get("/lessons/", params)
    assert response.status_code == 200
    return titles(response)


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader)
    return client


# -- text matching ---------------------------------------------------------------------------


def test_stemming_finds_other_forms_of_a_word(signed_in):
    LessonFactory(title="Estimate integration effort with the supplier's engineers")
    LessonFactory(title="Book the venue early")
    assert search_titles(signed_in, q="estimates") == [
        "Estimate integration effort with the supplier's engineers"
    ]
    assert search_titles(signed_in, q="estimating") == [
        "Estimate integration effort with the supplier's engineers"
    ]


def test_every_word_is_required(signed_in):
    LessonFactory(title="Supplier contract had no exit clause")
    LessonFactory(title="Supplier was late")
    assert search_titles(signed_in, q="supplier contract") == [
        "Supplier contract had no exit clause"
    ]


def test_quoted_phrase_needs_the_words_together(signed_in):
    LessonFactory(title="The test environment was not ready")
    LessonFactory(title="Environment teams could not test the backups")
    assert search_titles(signed_in, q='"test environment"') == [
        "The test environment was not ready"
    ]


def test_minus_excludes_a_word(signed_in):
    LessonFactory(title="Budget contingency was spent early")
    LessonFactory(title="Budget reporting was monthly")
    assert search_titles(signed_in, q="budget -contingency") == ["Budget reporting was monthly"]


def test_minus_alone_lists_everything_without_the_word(signed_in):
    LessonFactory(title="Budget contingency was spent early")
    LessonFactory(title="Venue booking came late")
    assert search_titles(signed_in, q="-contingency") == ["Venue booking came late"]


def test_or_accepts_either_word(signed_in):
    LessonFactory(title="Permits took six weeks")
    LessonFactory(title="Weather stopped the roofing")
    LessonFactory(title="Catering was excellent")
    assert sorted(search_titles(signed_in, q="permits or weather")) == [
        "Permits took six weeks",
        "Weather stopped the roofing",
    ]


def test_tags_and_body_are_searched(signed_in):
    LessonFactory(title="First", tags=["cutover"])
    LessonFactory(title="Second", context="The cutover rehearsal found four defects.")
    LessonFactory(title="Third")
    assert sorted(search_titles(signed_in, q="cutover")) == ["First", "Second"]


def test_title_match_ranks_above_summary_and_body_match(signed_in):
    LessonFactory(
        title="Plan the handover early",
        summary="Nothing else here.",
        recommendation="Agree it with operations.",
    )
    LessonFactory(
        title="Operations were not ready",
        summary="The team met once.",
        context="The vendor handover documents arrived late and the handover meeting slipped.",
    )
    LessonFactory(title="A summary mention", summary="We ran the handover in one day.")
    assert search_titles(signed_in, q="handover") == [
        "Plan the handover early",
        "A summary mention",
        "Operations were not ready",
    ]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "-",
        "or",
        "OR OR",
        "((",
        "NEAR(a b)",
        "*",
        "'",
        "title:foo",
        "a AND",
        "😀",
        '"unclosed phrase',
        "--x",
        "x -",
        "\\",
        "%",
        "a" * 600,
        "SELECT * FROM lessons_lesson;",
    ],
)
def test_malformed_queries_never_error(signed_in, query):
    LessonFactory(title="Plan the handover early")
    response = signed_in.get("/lessons/", {"q": query})
    assert response.status_code == 200


def test_stop_words_alone_do_not_filter(signed_in):
    LessonFactory(title="Plan the handover early")
    assert search_titles(signed_in, q="the") == ["Plan the handover early"]


def test_snippets_highlight_matches_and_escape_text(signed_in):
    LessonFactory(
        title="Data migration",
        context="<script>alert(1)</script> claims: the reconciliation of migrated balances "
        "took four weeks.",
    )
    response = signed_in.get("/lessons/", {"q": "reconciliation"})
    page = response.content.decode()
    assert "<mark>reconciliation</mark>" in page
    assert "<script>alert" not in page


def test_did_you_mean_suggests_a_visible_word(signed_in, project_b):
    LessonFactory(title="Supplier onboarding took too long")
    LessonFactory(
        title="Secret merger codename zephyrine", visibility="restricted", project=project_b
    )
    response = signed_in.get("/lessons/", {"q": "suplier"})
    assert response.context["total"] == 0
    assert response.context["suggestion"] == "supplier"
    # A word only a restricted lesson contains is never suggested.
    assert signed_in.get("/lessons/", {"q": "zephyrin"}).context["suggestion"] is None


# -- index kept in step -------------------------------------------------------------------------


def test_index_follows_edits_tags_renames_and_deletes(signed_in, curator):
    lesson = LessonFactory(title="Original wording")
    assert search_titles(signed_in, q="original") == ["Original wording"]

    lesson.title = "Revised wording"
    lesson.save()
    assert search_titles(signed_in, q="original") == []
    assert search_titles(signed_in, q="revised") == ["Revised wording"]

    lesson.tags.add("scaffolding")
    assert search_titles(signed_in, q="scaffolding") == ["Revised wording"]
    tag = Tag.objects.get(name="scaffolding")
    tag.name = "falsework"
    tag.save()
    assert search_titles(signed_in, q="falsework") == ["Revised wording"]
    lesson.tags.clear()
    assert search_titles(signed_in, q="falsework") == []

    lesson.delete()
    assert search_titles(signed_in, q="revised") == []


def test_bulk_generated_lessons_are_searchable(db):
    from django.core.management import call_command

    call_command("seed_demo", lessons=30, stdout=io.StringIO())
    generated = Lesson.objects.order_by("-pk")[:30]
    assert generated.count() == 30
    for lesson in generated[:5]:
        word = max(re.findall(r"[a-z]+", lesson.title.lower()), key=len)
        assert lesson in search.matching(Lesson.objects.all(), word)


# -- filters and facets ---------------------------------------------------------------------------


@pytest.fixture
def catalogue(project_a, project_b):
    technical = Category.objects.get(slug="technical")
    financial = Category.objects.get(slug="financial")
    LessonFactory(title="T1 high", category=technical, impact="high", project=project_a)
    LessonFactory(title="T2 low", category=technical, impact="low", project=project_b)
    LessonFactory(title="F1 high", category=financial, impact="high", project=project_a)
    LessonFactory(
        title="F2 high", category=financial, impact="high", project=project_b, kind="went_well"
    )
    LessonFactory(title="F3 low", category=financial, impact="low", project=project_b)


def facet(response, name) -> dict[str, int]:
    for each in response.context["facets"]:
        if each.name == name:
            return {option.value: option.count for option in each.options}
    raise AssertionError(f"no facet {name}")


def test_each_facet_count_equals_the_results_of_choosing_it(signed_in, catalogue):
    response = signed_in.get("/lessons/")
    for name in ("category", "impact", "project", "kind", "project_type", "department"):
        for value, count in facet(response, name).items():
            chosen = signed_in.get("/lessons/", {name: value})
            assert chosen.context["total"] == count, (name, value)


def test_counts_are_disjunctive(signed_in, catalogue):
    response = signed_in.get("/lessons/", {"category": "technical", "impact": "high"})
    assert titles(response) == ["T1 high"]
    # Category counts ignore the category filter but respect the impact filter...
    assert facet(response, "category") == {"technical": 1, "financial": 2}
    # ...and impact counts ignore the impact filter but respect the category filter.
    assert facet(response, "impact") == {"high": 1, "low": 1}


def test_options_within_a_facet_are_alternatives(signed_in, catalogue):
    response = signed_in.get("/lessons/", {"impact": ["high", "low"], "project": "PRJ-A"})
    assert sorted(titles(response)) == ["F1 high", "T1 high"]


def test_chips_remove_one_value_at_a_time(signed_in, catalogue):
    response = signed_in.get("/lessons/", {"impact": ["high", "low"], "category": "financial"})
    chips = {chip.label: chip.remove_url for chip in response.context["chips"]}
    assert set(chips) == {"Impact: High", "Impact: Low", "Category: Financial"}
    after = signed_in.get("/lessons/" + chips["Impact: Low"])
    assert sorted(titles(after)) == ["F1 high", "F2 high"]


def test_sort_orders(signed_in, catalogue):
    lessons = {lesson.title: lesson for lesson in Lesson.objects.all()}
    Lesson.objects.filter(pk=lessons["F3 low"].pk).update(view_count=50)
    Lesson.objects.filter(pk=lessons["T2 low"].pk).update(view_count=20)
    for _ in range(6):
        rate_lesson(lessons["F1 high"], UserFactory(), 5)
    rate_lesson(lessons["T1 high"], UserFactory(), 5)

    assert search_titles(signed_in, sort="viewed")[:2] == ["F3 low", "T2 low"]
    assert search_titles(signed_in, sort="useful")[:2] == ["F1 high", "T1 high"]
    newest = search_titles(signed_in, sort="newest")
    assert newest == [lesson.title for lesson in Lesson.objects.order_by("-published_at", "-pk")]


def test_pagination_keeps_the_search(signed_in):
    for n in range(25):
        LessonFactory(title=f"Cutover lesson {n:02d}")
    LessonFactory(title="Unrelated")
    first = signed_in.get("/lessons/", {"q": "cutover", "sort": "newest"})
    assert first.context["total"] == 25
    assert len(titles(first)) == 20
    next_url = first.context["next_url"]
    assert "q=cutover" in next_url and "page=2" in next_url
    second = signed_in.get("/lessons/" + next_url)
    assert len(titles(second)) == 5
    assert set(titles(first)).isdisjoint(titles(second))
    beyond = signed_in.get("/lessons/", {"q": "cutover", "page": "99"})
    assert beyond.status_code == 200 and len(titles(beyond)) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"category": "no-such-category"},
        {"tag": "nope"},
        {"project": "NOPE"},
        {"department": "abc"},
        {"kind": "fantastic"},
        {"rating_min": "9"},
        {"rating_min": "many"},
        {"occurred_after": "yesterday"},
        {"occurred_after": "2025-05-01", "occurred_before": "2025-01-01"},
        {"sort": "random"},
        {"page": "abc"},
        {"visibility": "secret"},
    ],
)
def test_invalid_parameters_show_a_message_never_an_error(signed_in, catalogue, params):
    response = signed_in.get("/lessons/", params)
    assert response.status_code == 200
    if set(params) != {"page"}:
        assert "could not be used and were ignored" in response.content.decode()


def test_date_and_rating_filters(signed_in):
    import datetime as dt

    LessonFactory(title="Early", occurred_on=dt.date(2024, 3, 1))
    late = LessonFactory(title="Late", occurred_on=dt.date(2025, 9, 1))
    Lesson.objects.filter(pk=late.pk).update(rating_avg=4.5, rating_count=2)
    assert search_titles(signed_in, occurred_after="2025-01-01") == ["Late"]
    assert search_titles(signed_in, occurred_before="2024-12-31") == ["Early"]
    assert search_titles(signed_in, rating_min="4") == ["Late"]


# -- confidentiality ------------------------------------------------------------------------------


@pytest.fixture
def secrets(project_b):
    LessonFactory(title="Open marker lesson", project=project_b, tags=["marker"])
    LessonFactory(
        title="Project marker lesson",
        project=project_b,
        visibility="project",
        tags=["marker", "hidden-tag"],
    )
    LessonFactory(
        title="Restricted marker lesson",
        project=project_b,
        visibility="restricted",
        tags=["marker", "hidden-tag"],
    )
    LessonFactory(
        title="Draft marker lesson",
        project=project_b,
        status="draft",
        tags=["marker", "hidden-tag"],
    )


def test_reader_sees_no_hidden_lesson_in_results_totals_or_counts(signed_in, secrets):
    response = signed_in.get("/lessons/", {"q": "marker"})
    assert titles(response) == ["Open marker lesson"]
    assert response.context["total"] == 1
    for each in response.context["facets"]:
        assert sum(option.count for option in each.options) <= 1 or each.name == "tag"
    assert facet(response, "tag") == {"marker": 1}
    assert "hidden-tag" not in response.content.decode()
    assert "status" not in {each.name for each in response.context["facets"]}
    # Asking for other statuses or visibilities reveals nothing either.
    for params in ({"status": "draft"}, {"visibility": "restricted"}, {"tag": "hidden-tag"}):
        assert signed_in.get("/lessons/", params).context["total"] == 0


def test_curator_sees_every_lesson_and_the_status_facet(client, curator, secrets):
    client.force_login(curator)
    response = client.get("/lessons/", {"q": "marker"})
    assert response.context["total"] == 3  # search shows published lessons by default
    assert facet(response, "status") == {"published": 3, "draft": 1}
    assert client.get("/lessons/", {"q": "marker", "status": "draft"}).context["total"] == 1


def test_export_contains_exactly_the_visible_matching_lessons(signed_in, secrets, curator):
    LessonFactory(title='=HYPERLINK("http://evil")', tags=["marker"])
    anonymous = LessonFactory(
        title="Anonymous marker lesson", submitted_by=curator, is_anonymous=True, tags=["marker"]
    )
    named = Lesson.objects.get(title="Open marker lesson")
    response = signed_in.get("/lessons/export.csv", {"tag": "marker"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_title = {row["title"]: row for row in rows}
    assert set(by_title) == {
        "Open marker lesson",
        "Anonymous marker lesson",
        '\'=HYPERLINK("http://evil")',
    }
    assert by_title["Anonymous marker lesson"]["submitted_by"] == ""
    assert by_title["Open marker lesson"]["submitted_by"] == named.submitted_by.display_name
    assert anonymous.pk == int(by_title["Anonymous marker lesson"]["id"])


def test_export_of_an_empty_search_still_has_its_header(signed_in):
    response = signed_in.get("/lessons/export.csv", {"q": "nothingmatchesthis"})
    content = b"".join(response.streaming_content).decode()
    assert content.splitlines()[0].startswith("id,title,summary")
    assert len(content.splitlines()) == 1


def test_search_requires_sign_in(client, db):
    assert client.get("/lessons/").status_code == 302
    assert client.get("/lessons/export.csv").status_code == 302


# -- query counts ----------------------------------------------------------------------------------


def _search_page_queries(client, django_assert_max_num_queries, limit):
    for params in (
        {},
        {"q": "supplier"},
        {"q": "supplier", "category": "technical", "tag": "cutover", "impact": "high"},
    ):
        with django_assert_max_num_queries(limit):
            assert client.get("/lessons/", params).status_code == 200


def test_search_page_runs_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries):
    # Session, user, roles, 3 validated choices, total, page, tags, snippets, 10 facets.
    limit = 24
    LessonFactory(title="Supplier one", tags=["cutover"])
    _search_page_queries(signed_in, django_assert_max_num_queries, limit)
    for n in range(40):
        LessonFactory(title=f"Supplier {n}", tags=["cutover", f"t{n}"], project=ProjectFactory())
    _search_page_queries(signed_in, django_assert_max_num_queries, limit)


@pytest.mark.parametrize("rank_all_below", [0, 10_000])
def test_relevance_pages_cover_every_match_once_with_title_matches_first(
    signed_in, monkeypatch, rank_all_below
):
    # 0 makes PostgreSQL rank in two steps (title matches, then the rest) as it does for
    # broad words; 10,000 ranks everything at once, as for narrow ones.
    monkeypatch.setattr(postgres_search, "RANK_ALL_BELOW", rank_all_below)
    for n in range(8):
        LessonFactory(title=f"Scaffolding lesson {n}")
    for n in range(17):
        LessonFactory(title=f"Other lesson {n}", context="The scaffolding came late.")
    first = signed_in.get("/lessons/", {"q": "scaffolding"})
    second = signed_in.get("/lessons/", {"q": "scaffolding", "page": 2})
    page_one, page_two = titles(first), titles(second)
    assert first.context["total"] == 25
    assert len(page_one) == 20 and len(page_two) == 5
    assert set(page_one).isdisjoint(page_two)
    assert all(title.startswith("Scaffolding") for title in page_one[:8])
    assert not any(title.startswith("Scaffolding") for title in page_one[8:] + page_two)


def test_no_parameters_at_all_shows_and_exports_the_published_collection(client, curator):
    """A curator sees every status, but /lessons/ without a query string is the published
    collection, like any search without a status: list, total and export agree."""
    LessonFactory(title="Published and findable")
    LessonFactory(title="Still a draft", status=Lesson.Status.DRAFT)
    LessonFactory(title="Archived long ago", status=Lesson.Status.ARCHIVED)
    client.force_login(curator)

    response = client.get("/lessons/")
    assert titles(response) == ["Published and findable"]
    assert response.context["total"] == 1
    export = b"".join(client.get("/lessons/export.csv").streaming_content).decode()
    exported = list(csv.DictReader(io.StringIO(export)))
    assert [row["title"] for row in exported] == ["Published and findable"]


def test_facet_options_are_links_with_label_and_count_and_escape_tag_names(signed_in):
    LessonFactory(title="Cutover rehearsal", tags=["<b>cutover</b>"])
    LessonFactory(title="Cutover again", tags=["<b>cutover</b>"])

    page = signed_in.get("/lessons/").content.decode()

    option = re.search(r'<a class="facet-option" href="\?tag=([^"]+)">(.*?)</a>', page)
    assert option, "no tag option rendered as a link"
    assert '<span class="facet-label">&lt;b&gt;cutover&lt;/b&gt;</span>' in option.group(2)
    assert '<span class="facet-count">2</span>' in option.group(2)
    assert "<b>cutover</b>" not in page
