"""Recurring themes: the most frequent tags and tag pairs of the lessons counted, and the top
tags by project type; exact however few tags are paired up first."""

from __future__ import annotations

import datetime as dt

import pytest

from insights import lesson_counts
from insights import themes as theme_figures
from insights.filters import InsightFilters
from insights.themes import themes
from tests.factories import LessonFactory
from tests.insights.heatmaps import cells_of

D = dt.date


@pytest.fixture
def theme_world(kpi_world):
    """Tags on the lessons of ``kpi_world``, created in this order so their ids are too:

    lesson  project (type)  seen by   tags
    L1      P1 (it)         all       vendor, scope
    L2      P1 (it)         all       vendor, scope, testing
    L3      P2 (build)      all       vendor, budget
    L4      P2 (build)      all       budget, scope
    L5      P3 (it)         curator   secret, vendor     (project-only)
    L6      P1 (it)         curator   secret, vendor     (restricted)
    L7      P1 (it)         no one    draft-only, vendor (draft)
    L8      P2 (build)      no one    merged-only, budget (merged into L3)
    """
    from taggit.models import Tag

    names = ["budget", "scope", "testing", "vendor", "secret", "draft-only", "merged-only"]
    tag = {name: Tag.objects.create(name=name, slug=name) for name in names}
    L = kpi_world["lessons"]
    for lesson, tags in {
        1: ["vendor", "scope"],
        2: ["vendor", "scope", "testing"],
        3: ["vendor", "budget"],
        4: ["budget", "scope"],
        5: ["secret", "vendor"],
        6: ["secret", "vendor"],
        7: ["draft-only", "vendor"],
        8: ["merged-only", "budget"],
    }.items():
        L[lesson].tags.add(*(tag[name] for name in tags))
    return kpi_world


def tag_counts(figures) -> list[tuple[str, int, int]]:
    return [(t["name"], t["lessons"], t["projects"]) for t in figures["tags"]]


def pair_counts(figures) -> list[tuple[str, str, int]]:
    return [(p["first"]["name"], p["second"]["name"], p["count"]) for p in figures["pairs"]]


def test_themes_count_tags_and_pairs_of_the_lessons_counted(theme_world, reader, client):
    figures = themes(reader)
    # Rita counts L1-L4. scope: L1 L2 L4 in P1 P2; vendor: L1 L2 L3 in P1 P2; budget: L3 L4
    # in P2; testing: L2 in P1. Ties by name.
    assert tag_counts(figures) == [
        ("scope", 3, 2),
        ("vendor", 3, 2),
        ("budget", 2, 1),
        ("testing", 1, 1),
    ]
    # Pairs (lower tag id first): L1 scope+vendor; L2 scope+testing, scope+vendor,
    # testing+vendor; L3 budget+vendor; L4 budget+scope. Ties by the first, then second name.
    assert pair_counts(figures) == [
        ("scope", "vendor", 2),
        ("budget", "scope", 1),
        ("budget", "vendor", 1),
        ("scope", "testing", 1),
        ("testing", "vendor", 1),
    ]
    # Each tag links to the search for it, which lists exactly the lessons counted.
    vendor = figures["tags"][1]
    assert vendor["url"] == "/lessons/?tag=vendor"
    client.force_login(reader)
    assert client.get(vendor["url"]).context["total"] == 3


def test_each_tag_pair_links_to_the_lessons_carrying_both(theme_world, reader, client):
    pairs = themes(reader)["pairs"]
    scope_vendor = pairs[0]
    assert scope_vendor["url"] == "/lessons/?tag_all=scope&tag_all=vendor"
    client.force_login(reader)
    listed = client.get(scope_vendor["url"]).context["lessons"]
    assert {lesson.title for lesson in listed} == {"Lesson one", "Lesson two"}


def brute_force_pairs(user, limit):
    """Every pair of tags on one counted lesson, counted in Python: the reference."""
    counted: dict[tuple[str, str], int] = {}
    for lesson in lesson_counts.lessons(user).prefetch_related("tags"):
        tags = sorted(lesson.tags.all(), key=lambda tag: tag.pk)
        for index, first in enumerate(tags):
            for second in tags[index + 1 :]:
                key = (first.name, second.name)
                counted[key] = counted.get(key, 0) + 1
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [(first, second, count) for (first, second), count in ranked[:limit]]


@pytest.mark.parametrize("candidates", [1, 2, 3, 5, 60])
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_tag_pairs_are_exact_however_few_tags_are_paired_up_first(
    theme_world, reader, curator, monkeypatch, candidates, limit
):
    """Pairs are counted among the most frequent tags first, and over every tag when a pair
    of less frequent tags could still rank: either way, the same pairs as a full count."""
    p1 = theme_world["lessons"][1].project
    for n, tags in enumerate([["alpha", "beta"], ["alpha", "beta"], ["alpha"], ["beta"]]):
        LessonFactory(title=f"Extra {n}", project=p1).tags.add(*tags)
    monkeypatch.setattr(lesson_counts, "PAIR_CANDIDATES", candidates)
    for user in (reader, curator):
        assert pair_counts(themes(user, limit=limit)) == brute_force_pairs(user, limit)


def test_tag_pairs_need_no_full_count_when_the_frequent_tags_settle_them(
    theme_world, reader, monkeypatch
):
    full_counts = []
    exact = theme_figures._tag_pairs
    monkeypatch.setattr(
        theme_figures, "_tag_pairs", lambda *args: full_counts.append(args) or exact(*args)
    )
    # Rita's tags: scope 3, vendor 3, budget 2, testing 1. Among the first three, scope+vendor
    # is on 2 lessons; testing, left out, is on 1: no pair with it can reach 2.
    monkeypatch.setattr(lesson_counts, "PAIR_CANDIDATES", 3)
    assert pair_counts(themes(reader, limit=1)) == [("scope", "vendor", 2)]
    assert full_counts == []
    # The second pair has 1 lesson, as many as testing: only a full count can rank it.
    assert len(themes(reader, limit=2)["pairs"]) == 2
    assert len(full_counts) == 1


def test_themes_by_project_type(theme_world, reader, client):
    matrix = themes(reader)["by_type"]
    assert matrix["columns"] == ["Build", "IT"]
    # scope: L4 build, L1 L2 it; vendor: L3 build, L1 L2 it; budget: L3 L4 build; testing: L2.
    assert {k: v[0] for k, v in cells_of(matrix).items()} == {
        ("scope", "Build"): 1,
        ("scope", "IT"): 2,
        ("vendor", "Build"): 1,
        ("vendor", "IT"): 2,
        ("budget", "Build"): 2,
        ("budget", "IT"): 0,
        ("testing", "Build"): 0,
        ("testing", "IT"): 1,
    }
    scope_it = matrix["rows"][0]["cells"][1]
    assert scope_it["url"] == "/lessons/?tag=scope&project_type=it"
    client.force_login(reader)
    assert client.get(scope_it["url"]).context["total"] == 2


def test_themes_hide_tags_only_on_lessons_the_viewer_may_not_see(theme_world, reader, curator):
    reader_tags = {t["name"] for t in themes(reader)["tags"]}
    assert reader_tags == {"scope", "vendor", "budget", "testing"}
    # Clara adds L5 and L6: vendor L1 L2 L3 L5 L6 in P1 P2 P3; secret L5 L6 in P3 P1.
    # The draft (L7) and the merged lesson (L8) count for no one: no draft-only, merged-only,
    # and budget stays at L3 L4.
    figures = themes(curator)
    assert tag_counts(figures) == [
        ("vendor", 5, 3),
        ("scope", 3, 2),
        ("budget", 2, 1),
        ("secret", 2, 2),
        ("testing", 1, 1),
    ]
    # secret was created after vendor, so the pair is vendor+secret: L5 and L6.
    assert pair_counts(figures)[:2] == [("scope", "vendor", 2), ("vendor", "secret", 2)]
    for names in pair_counts(themes(reader)):
        assert "secret" not in names and "draft-only" not in names


def test_themes_follow_the_filters_and_the_limit(theme_world, reader, client):
    engineering = InsightFilters(department=theme_world["engineering"].pk)
    figures = themes(reader, engineering)
    # Engineering is P1: L1 L2.
    assert tag_counts(figures) == [("scope", 2, 1), ("vendor", 2, 1), ("testing", 1, 1)]
    assert pair_counts(figures) == [
        ("scope", "vendor", 2),
        ("scope", "testing", 1),
        ("testing", "vendor", 1),
    ]
    url = figures["tags"][0]["url"]
    assert url == f"/lessons/?department={theme_world['engineering'].pk}&tag=scope"
    client.force_login(reader)
    assert client.get(url).context["total"] == 2
    # The period is the lesson's date: from March, L3 L4.
    spring = InsightFilters(start=D(2025, 3, 1))
    assert tag_counts(themes(reader, spring)) == [
        ("budget", 2, 1),
        ("scope", 1, 1),
        ("vendor", 1, 1),
    ]
    assert themes(reader, spring)["tags"][0]["url"] == (
        "/lessons/?occurred_after=2025-03-01&tag=budget"
    )
    top_two = themes(reader, limit=2)
    assert [t["name"] for t in top_two["tags"]] == ["scope", "vendor"]
    assert len(top_two["pairs"]) == 2
    assert [row["label"] for row in top_two["by_type"]["rows"]] == ["scope", "vendor"]


def test_themes_without_tags(kpi_world, reader):
    figures = themes(reader)
    assert figures["tags"] == [] and figures["pairs"] == []
    assert figures["by_type"]["total"] == 0
