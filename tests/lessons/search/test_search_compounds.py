"""Hyphenated words and their joined forms find each other ("wifi", "wi-fi", "Wi-Fi"), on both
backends, in words, phrases, exclusions and snippets (issue 13, part B)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from lessons import search
from lessons.models import Lesson
from lessons.search.backends import backend
from lessons.search.backends import postgres as postgres_search
from lessons.search.query import compounds, parse_query, term_variants
from tests.factories import LessonFactory, ProjectFactory


def found(query: str) -> list[str]:
    matches = search.matching(Lesson.objects.all(), query)
    return sorted(matches.values_list("title", flat=True))


MARKED_WI_FI = r"<mark>Wi</mark>-<mark>Fi</mark>|<mark>Wi-Fi</mark>"


def snippet(lesson: Lesson, query: str) -> str:
    return search.snippets([lesson.pk], query).get(lesson.pk, "")


def test_wifi_finds_wi_fi(db):
    LessonFactory(title="Site office", context="The Wi-Fi dropped every afternoon.")
    LessonFactory(title="Unrelated")
    assert found("wifi") == ["Site office"]


@pytest.mark.parametrize(
    "spellings",
    [("wifi", "wi-fi", "Wi-Fi", "WiFi"), ("e-mail", "email", "E-Mail"), ("sign-off", "signoff")],
    ids=["wifi", "email", "signoff"],
)
def test_every_spelling_finds_every_other(db, spellings):
    for written in spellings:
        LessonFactory(title=f"Written {written}", context=f"We relied on {written} for it.")
    LessonFactory(title="Unrelated", context="We relied on nothing for it.")
    everything = sorted(f"Written {written}" for written in spellings)
    for typed in spellings:
        assert found(typed) == everything, typed


def test_titles_tags_and_summaries_hold_joined_forms_too(db):
    LessonFactory(title="Wi-Fi survey came late")
    LessonFactory(title="Survey", summary="Nobody read the e-mail.")
    LessonFactory(title="Tagged", tags=["sign-off"])
    assert found("wifi") == ["Wi-Fi survey came late"]
    assert found("email") == ["Survey"]
    assert found("signoff") == ["Tagged"]


@pytest.mark.parametrize("rank_all_below", [0, 10_000])
def test_a_title_written_with_a_hyphen_ranks_first_for_the_joined_word(
    db, monkeypatch, rank_all_below
):
    # 0: PostgreSQL ranks title matches first through the title's own index, as for a broad
    # word; that index holds the joined form too.
    monkeypatch.setattr(postgres_search, "RANK_ALL_BELOW", rank_all_below)
    LessonFactory(title="Guests complained", context="The Wi-Fi in the hall kept dropping.")
    LessonFactory(title="Wi-Fi coverage survey")
    matches = search.matching(Lesson.objects.all(), "wifi")
    ranked = search.RankedResults(matches, "wifi", matches.count())[0:10]
    assert [lesson.title for lesson in ranked] == ["Wi-Fi coverage survey", "Guests complained"]


def test_a_project_code_is_found_with_or_without_its_hyphen(db):
    LessonFactory(title="Crane", project=ProjectFactory(code="ERP-2025", name="Ledger"))
    assert found("ERP-2025") == found("erp2025") == ["Crane"]


def test_a_hyphenated_word_still_finds_its_parts_written_apart(db):
    LessonFactory(title="Manager must sign off", context="The design needs a manager to sign.")
    LessonFactory(title="The follow up slipped")
    assert found("sign-off") == ["Manager must sign off"]
    assert found("follow-up") == ["The follow up slipped"]


def test_every_word_is_still_required(db):
    LessonFactory(title="Wi-Fi printer jammed")
    LessonFactory(title="Wifi was slow")
    LessonFactory(title="Printer ran out of toner")
    assert found("wi-fi printer") == ["Wi-Fi printer jammed"]
    assert found("wifi printer") == ["Wi-Fi printer jammed"]


def test_phrases_with_a_hyphenated_word(db):
    LessonFactory(title="Our old Wi-Fi router failed")
    LessonFactory(title="An old wifi router was borrowed")
    LessonFactory(title="A new wi-fi router")
    LessonFactory(title="Old router near the wifi")
    assert found('"wi-fi router"') == [
        "A new wi-fi router",
        "An old wifi router was borrowed",
        "Our old Wi-Fi router failed",
    ]
    assert found('"old wi-fi router"') == [
        "An old wifi router was borrowed",
        "Our old Wi-Fi router failed",
    ]


def test_excluding_a_hyphenated_word_excludes_every_spelling(db):
    LessonFactory(title="Network: Wi-Fi outage")
    LessonFactory(title="Network: wifi outage")
    LessonFactory(title="Network: cable outage")
    assert found("network -wi-fi") == ["Network: cable outage"]
    assert found("network -wifi") == ["Network: cable outage"]
    assert found("-wi-fi") == ["Network: cable outage"]


def test_or_between_hyphenated_words(db):
    LessonFactory(title="Wi-Fi outage")
    LessonFactory(title="Lost e-mails")
    LessonFactory(title="Cable outage")
    assert found("wifi or email") == ["Lost e-mails", "Wi-Fi outage"]
    assert found("wifi or email -outage") == ["Lost e-mails"]


def test_snippets_highlight_every_spelling(db):
    hyphenated = LessonFactory(title="A", context="Guests could not join the Wi-Fi in the hall.")
    joined = LessonFactory(title="B", context="Guests could not join the wifi in the hall.")
    for query in ("wifi", "wi-fi", "Wi-Fi"):
        # PostgreSQL marks each part, SQLite the whole word.
        assert re.search(MARKED_WI_FI, snippet(hyphenated, query)), query
        assert "<mark>wifi</mark>" in snippet(joined, query), query
    mail = LessonFactory(title="C", context="The e-mail went to the wrong list.")
    assert "<mark>" in snippet(mail, "email")


def test_the_search_page_finds_and_highlights(client, reader):
    LessonFactory(title="Site office", context="The Wi-Fi dropped every afternoon.")
    client.force_login(reader)
    response = client.get("/lessons/", {"q": "wifi"})
    assert [lesson.title for lesson in response.context["lessons"]] == ["Site office"]
    assert "<mark>" in response.content.decode()


# -- the shared query parsing ------------------------------------------------------------------


def test_a_hyphenated_word_is_one_word_of_the_query():
    assert parse_query("Wi-Fi").groups == [[["wi-fi"]]]
    assert parse_query('"the wi-fi router" -e-mail').groups == [[["the", "wi-fi", "router"]]]
    assert parse_query("-e-mail").excluded == [["e-mail"]]
    assert parse_query("wi\u2010fi").groups == [[["wi-fi"]]]  # U+2010, a typographer's hyphen


def test_a_term_stands_for_its_parts_and_its_joined_form():
    assert term_variants(["wi-fi"]) == [["wi-fi"], ["wi", "fi"], ["wifi"]]
    assert term_variants(["old", "wi-fi", "router"]) == [
        ["old", "wi-fi", "router"],
        ["old", "wi", "fi", "router"],
        ["old", "wifi", "router"],
    ]
    # Stop words at the ends of a term are left out of its parts, as PostgreSQL does.
    assert term_variants(["sign-off"]) == [["sign-off"], ["sign"], ["signoff"]]
    assert term_variants(["wifi"]) == [["wifi"]]
    # Only for snippets: a joined word is also marked where it is written with a hyphen.
    assert ["wi", "fi"] in term_variants(["wifi"], highlight=True)


def test_compounds_are_the_hyphenated_words_joined():
    assert compounds("The Wi-Fi, e-mails and state-of-the-art 2024-03-01 \u2010 x") == (
        "WiFi emails stateoftheart 20240301"
    )
    assert compounds(None) == ""


def test_the_database_indexes_the_same_compounds_as_python(db):
    text = "Wi-Fi, e\u2011mail, sign-off; COVID-19 and Café-bar (state-of-the-art) -x y- _a-b_"
    if connection.vendor == "sqlite":  # the SQLite index is written from Python: search it
        LessonFactory(title="Compounds", context=text)
        for joined in compounds(text).split():
            found = search.matching(Lesson.objects.all(), joined)
            assert list(found.values_list("title", flat=True)) == ["Compounds"], joined
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT hindsight_tsvector(%s) = to_tsvector('english', %s) || "
            "to_tsvector('english', %s)",
            [text, text, compounds(text)],
        )
        assert cursor.fetchone()[0]


def test_searches_go_through_the_full_text_indexes(db):
    """The query is one constant tsquery that the GIN indexes answer, or one FTS5 match (no
    search in Python). With a few rows a scan of the table is cheapest, so on PostgreSQL
    scans other than through an index's matches are ruled out: the plan shows whether the
    index can answer the query at all."""
    LessonFactory(title="Wi-Fi outage", context="The e-mail came late.")
    if connection.vendor == "sqlite":
        plan = search.matching(Lesson.objects.order_by(), "wi-fi email -sign-off").explain()
        assert "SCAN lessons_lesson_fts VIRTUAL TABLE INDEX" in plan, plan
        assert "SCAN lessons_lesson\n" not in plan + "\n" and "SCAN lessons_lesson " not in plan
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    query = "wi-fi email -sign-off"
    plan = search.matching(Lesson.objects.order_by(), query).explain()
    assert "Bitmap Index Scan on lesson_search_vector_gin" in plan, plan
    # The first pages of a broad search come from the title matches, through their index.
    pg = backend()
    sql, params = pg._sql(pg._search_query(parse_query(query)))
    title_vector = postgres_search.TITLE_VECTOR
    in_title = RawSQL(f"{title_vector} @@ {sql}", params, output_field=BooleanField())
    plan = Lesson.objects.filter(in_title).explain()
    assert "Bitmap Index Scan on lesson_title_vector_gin" in plan, plan
    # ...and that index holds the joined form of a title's hyphenated words.
    sql, params = pg._sql(pg._search_query(parse_query("wifi")))
    in_title = RawSQL(f"{title_vector} @@ {sql}", params, output_field=BooleanField())
    assert list(Lesson.objects.filter(in_title).values_list("title", flat=True)) == ["Wi-Fi outage"]
