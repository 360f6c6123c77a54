"""The ``likelihood`` and ``tag_all`` search parameters, identical on SQLite and PostgreSQL.

``likelihood`` is a facet like ``impact``: options are alternatives, counts disjunctive.
``tag_all`` asks for lessons carrying every listed tag (the insights page's tag pairs link
to it); it combines with ``tag`` (any of) and every other parameter.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs

import pytest

from accounts.roles import READER
from lessons.models import Lesson
from tests.factories import LessonFactory, MembershipFactory, ProjectFactory, UserFactory

BOTH = ["cutover", "data-migration"]


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def risks(project_a, project_b):
    """Published lessons everyone sees, and two Rita (a reader outside project B) may not."""
    LessonFactory(
        title="Likely A", likelihood="likely", impact="high", project=project_a, tags=BOTH
    )
    LessonFactory(
        title="Likely B", likelihood="likely", impact="low", project=project_b, tags=["cutover"]
    )
    LessonFactory(
        title="Possible A",
        likelihood="possible",
        impact="high",
        project=project_a,
        tags=["data-migration"],
    )
    LessonFactory(
        title="Rare B",
        likelihood="rare",
        impact="high",
        project=project_b,
        tags=[*BOTH, "supplier"],
    )
    LessonFactory(
        title="Confidential likely B",
        likelihood="likely",
        impact="high",
        project=project_b,
        visibility=Lesson.Visibility.PROJECT,
        tags=BOTH,
    )
    LessonFactory(title="Draft likely", likelihood="likely", status="draft", tags=BOTH)


def titles(response) -> set[str]:
    assert response.status_code == 200
    return {lesson.title for lesson in response.context["lessons"]}


def facet(response, name) -> list[tuple[str, int]]:
    """A facet's options in the order shown, as (value, count)."""
    for each in response.context["facets"]:
        if each.name == name:
            return [(option.value, option.count) for option in each.options]
    raise AssertionError(f"no facet {name}")


def chips(response) -> dict:
    return {chip.label: chip for chip in response.context["chips"]}


def exported_titles(response) -> set[str]:
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    return {row["title"] for row in rows}


# -- likelihood ------------------------------------------------------------------------------


def test_likelihood_returns_exactly_the_lessons_of_that_likelihood(signed_in, risks):
    assert titles(signed_in.get("/lessons/", {"likelihood": "likely"})) == {
        "Likely A",
        "Likely B",
    }
    assert titles(signed_in.get("/lessons/", {"likelihood": "rare"})) == {"Rare B"}


def test_likelihood_options_are_alternatives(signed_in, risks):
    response = signed_in.get("/lessons/", {"likelihood": ["likely", "rare"]})
    assert titles(response) == {"Likely A", "Likely B", "Rare B"}


def test_likelihood_counts_are_disjunctive_and_run_from_likely_to_rare(signed_in, risks):
    response = signed_in.get("/lessons/", {"likelihood": "likely", "impact": "high"})
    assert titles(response) == {"Likely A"}
    # Likelihood counts ignore the likelihood filter but respect the impact filter...
    assert facet(response, "likelihood") == [("likely", 1), ("possible", 1), ("rare", 1)]
    # ...and impact counts ignore the impact filter but respect the likelihood filter.
    assert facet(response, "impact") == [("high", 1), ("low", 1)]


def test_each_likelihood_count_equals_the_results_of_choosing_it(signed_in, risks):
    response = signed_in.get("/lessons/", {"impact": "high"})
    for value, count in facet(response, "likelihood"):
        chosen = signed_in.get("/lessons/", {"impact": "high", "likelihood": value})
        assert chosen.context["total"] == count, value


def test_likelihood_counts_only_lessons_the_user_may_see(client, reader, risks, project_b):
    # Rita is not in project B: its project-only lesson and the draft are never counted.
    client.force_login(reader)
    expected = [("likely", 2), ("possible", 1), ("rare", 1)]
    assert facet(client.get("/lessons/"), "likelihood") == expected
    assert facet(client.get("/lessons/", {"likelihood": "rare"}), "likelihood") == expected
    assert client.get("/lessons/", {"likelihood": "likely"}).context["total"] == 2

    # Bob, a member of project B, counts its project-only lesson.
    bob = UserFactory(username="bob", role=READER)
    MembershipFactory(project=project_b, user=bob)
    client.force_login(bob)
    assert facet(client.get("/lessons/"), "likelihood")[0] == ("likely", 3)


def test_likelihood_chips_are_labelled_and_remove_one_value(signed_in, risks):
    response = signed_in.get("/lessons/", {"likelihood": ["likely", "rare"]})
    shown = chips(response)
    assert set(shown) == {"Likelihood: Likely", "Likelihood: Rare"}
    after = signed_in.get("/lessons/" + shown["Likelihood: Rare"].remove_url)
    assert titles(after) == {"Likely A", "Likely B"}
    page = response.content.decode()
    assert 'aria-label="Remove Likelihood: Rare"' in page
    assert '<h2 id="facet-likelihood">Likelihood</h2>' in page


# -- tag_all ----------------------------------------------------------------------------------


def test_tag_all_returns_only_lessons_with_every_tag(signed_in, risks):
    assert titles(signed_in.get("/lessons/", {"tag_all": BOTH})) == {"Likely A", "Rare B"}
    three = signed_in.get("/lessons/", {"tag_all": [*BOTH, "supplier"]})
    assert titles(three) == {"Rare B"}
    one = signed_in.get("/lessons/", {"tag_all": "cutover"})
    assert titles(one) == titles(signed_in.get("/lessons/", {"tag": "cutover"}))
    repeated = signed_in.get("/lessons/", {"tag_all": ["cutover", "cutover"]})
    assert titles(repeated) == {"Likely A", "Likely B", "Rare B"}


def test_tag_all_combines_with_tag_q_and_other_filters(signed_in, risks):
    # tag: any of its options; tag_all: every one of its tags; both must hold.
    both_and_any = {"tag_all": BOTH, "tag": ["supplier", "nothing-else"]}
    LessonFactory(title="Nothing else", tags=["nothing-else"])
    assert titles(signed_in.get("/lessons/", both_and_any)) == {"Rare B"}
    assert titles(signed_in.get("/lessons/", {"tag_all": BOTH, "q": "likely"})) == {"Likely A"}
    assert titles(signed_in.get("/lessons/", {"tag_all": BOTH, "likelihood": "rare"})) == {"Rare B"}
    assert titles(signed_in.get("/lessons/", {"tag_all": BOTH, "project": "PRJ-A"})) == {"Likely A"}


def test_tag_all_narrows_the_facet_counts(signed_in, risks):
    response = signed_in.get("/lessons/", {"tag_all": BOTH})
    assert response.context["total"] == 2
    assert dict(facet(response, "tag")) == {"cutover": 2, "data-migration": 2, "supplier": 1}
    assert dict(facet(response, "likelihood")) == {"likely": 1, "rare": 1}
    # The tag facet ignores tag (its own parameter) but never tag_all.
    with_tag = signed_in.get("/lessons/", {"tag_all": BOTH, "tag": "supplier"})
    assert dict(facet(with_tag, "tag")) == dict(facet(response, "tag"))


def test_tag_all_shows_one_chip_whose_tags_are_removed_one_at_a_time(signed_in, risks):
    response = signed_in.get("/lessons/", {"tag_all": BOTH, "likelihood": "likely"})
    chip = chips(response)["Tagged with all of: cutover, data-migration"]
    assert [part.label for part in chip.parts] == BOTH
    without_migration = signed_in.get("/lessons/" + chip.parts[1].remove_url)
    assert titles(without_migration) == {"Likely A", "Likely B"}
    assert parse_qs(chip.parts[1].remove_url[1:]) == {
        "tag_all": ["cutover"],
        "likelihood": ["likely"],
    }
    assert parse_qs(chip.remove_url[1:]) == {"likelihood": ["likely"]}
    page = response.content.decode()
    assert "Tagged with all of:" in page
    removal = "Remove data-migration from “Tagged with all of: cutover, data-migration”"
    assert f'aria-label="{removal}"' in page


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"likelihood": "sometimes"},
        {"likelihood": ["likely", "bogus"]},
        {"likelihood": ""},
        {"likelihood": "x" * 2000},
        {"tag_all": "nope"},
        {"tag_all": ["cutover", "nope"]},
        {"tag_all": ""},
        {"tag_all": "'; DROP TABLE taggit_tag; --"},
        {"tag_all": "x" * 2000},
    ],
)
def test_invalid_values_are_reported_and_ignored_never_an_error(signed_in, risks, params):
    everything = signed_in.get("/lessons/").context["total"]
    response = signed_in.get("/lessons/", params)
    assert response.status_code == 200
    assert "could not be used and were ignored" in response.content.decode()
    assert response.context["total"] == everything
    assert not response.context["chips"]
    assert signed_in.get("/lessons/export.csv", params).status_code == 200


# -- every link and the export keep both parameters --------------------------------------------


def test_export_honours_likelihood_and_tag_all(signed_in, risks):
    assert exported_titles(
        signed_in.get("/lessons/export.csv", {"likelihood": "likely", "tag_all": BOTH})
    ) == {"Likely A"}
    rows = csv.DictReader(
        io.StringIO(
            b"".join(
                signed_in.get("/lessons/export.csv", {"likelihood": "rare"}).streaming_content
            ).decode()
        )
    )
    assert [(row["title"], row["likelihood"]) for row in rows] == [("Rare B", "Rare")]


def test_pages_sorts_export_and_facet_links_keep_both_parameters(signed_in, project_a):
    for n in range(25):
        LessonFactory(title=f"Kept {n:02d}", likelihood="likely", tags=BOTH, project=project_a)
    LessonFactory(title="Only one tag", likelihood="likely", tags=["cutover"])
    LessonFactory(title="Other likelihood", likelihood="rare", tags=BOTH)
    params = {"likelihood": "likely", "tag_all": BOTH}
    first = signed_in.get("/lessons/", params)
    assert first.context["total"] == 25

    kept = {"likelihood": ["likely"], "tag_all": BOTH}
    links = [first.context["next_url"], first.context["export_url"].split("?", 1)[1]]
    links += [url for _, _, url in first.context["sort_links"]]
    for link in links:
        query = parse_qs(link.lstrip("?"))
        assert {name: query.get(name) for name in kept} == kept, link
    for each in first.context["facets"]:
        for option in each.options:
            query = parse_qs(option.url.lstrip("?"))
            assert query["tag_all"] == BOTH, option.url
            if each.name != "likelihood":  # its own options add or remove a likelihood
                assert query["likelihood"] == ["likely"], option.url
    assert filterset_values(first) == kept

    second = signed_in.get("/lessons/" + first.context["next_url"])
    assert len(titles(first)) == 20 and len(titles(second)) == 5
    assert titles(first) | titles(second) == {f"Kept {n:02d}" for n in range(25)}
    export = signed_in.get(first.context["export_url"])
    assert exported_titles(export) == titles(first) | titles(second)
    hidden = first.context["hidden_params"]
    assert ("likelihood", "likely") in hidden and ("tag_all", "data-migration") in hidden


def test_a_lesson_opened_from_the_results_links_back_to_the_same_search(signed_in, risks):
    params = {"likelihood": "likely", "tag_all": BOTH}
    results = signed_in.get("/lessons/", params)
    lesson = results.context["lessons"][0]
    page = signed_in.get(f"/lessons/{lesson.pk}/{results.context['link_suffix']}")
    back = page.context["back_url"]
    assert back.startswith("/lessons/?")
    assert parse_qs(back.split("?", 1)[1]) == {"likelihood": ["likely"], "tag_all": BOTH}


def filterset_values(response) -> dict[str, list[str]]:
    return {
        name: values
        for name, values in response.context["filterset"].active_values().items()
        if name in ("likelihood", "tag_all")
    }


# -- query count -------------------------------------------------------------------------------


def test_search_page_with_both_parameters_runs_a_fixed_number_of_queries(
    signed_in, django_assert_max_num_queries
):
    # As tests/test_search.py pins it (24): session, user, roles, one query per validated
    # model choice (category, tag, tag_all), the shared facet statement and one per active
    # facet, facet labels (categories, projects, phases, tags), the page, its tags, snippets.
    limit = 24
    params = {
        "q": "supplier",
        "category": "technical",
        "tag": "cutover",
        "tag_all": ["cutover", "t1"],
        "impact": "high",
        "likelihood": ["likely", "rare"],
    }
    for size in (1, 40):
        for n in range(Lesson.objects.count(), size):
            LessonFactory(
                title=f"Supplier {n}",
                tags=["cutover", "t1", f"t{n}"],
                project=ProjectFactory(),
                impact="high",
                likelihood="likely",
            )
        with django_assert_max_num_queries(limit):
            response = signed_in.get("/lessons/", params)
        assert response.context["total"] == size
