"""The words of a lesson (lessons/text.py): what counts as a word, a significant word, one
word in several forms, and when two lessons look like the same lesson."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lessons.search import parse_query
from lessons.text import Wording, likeness, significant_words, stem, words


def test_words_are_lower_cased_and_keep_inner_apostrophes():
    assert words("Don't skip the UAT sign-off") == ["don't", "skip", "the", "uat", "sign", "off"]
    assert words(None) == []


def test_significant_words_drop_stop_words_and_short_words_and_repeats():
    text = "The supplier and the data: supplier data was late for the cutover"
    assert significant_words(text) == ["supplier", "data", "late", "cutover"]


@pytest.mark.parametrize(
    "forms",
    [
        ("rehearse", "rehearsal", "rehearsals", "rehearsing", "rehearsed"),
        ("change", "changes", "changed", "changing"),
        ("plan", "plans", "planned", "planning"),
        ("approve", "approval", "approvals", "approved"),
        ("migrate", "migration", "migrations"),
        ("delivery", "deliveries"),
        ("manage", "management", "managed"),
    ],
)
def test_one_word_in_several_forms_has_one_stem(forms):
    assert len({stem(word) for word in forms}) == 1, {word: stem(word) for word in forms}


@pytest.mark.parametrize(
    "different", [("install", "instal"), ("test", "testers"), ("business", "busy"), ("late", "lat")]
)
def test_different_words_keep_different_stems(different):
    assert stem(different[0]) != stem(different[1])


def lesson(title: str, recommendation: str = "", summary: str = "") -> SimpleNamespace:
    return SimpleNamespace(title=title, summary=summary, recommendation=recommendation)


def alike(a: SimpleNamespace, b: SimpleNamespace):
    return likeness(Wording.of(a), Wording.of(b))


def test_titles_sharing_most_of_their_words_look_alike_either_way_round():
    a = lesson("Rehearse the data migration cutover twice")
    b = lesson("Two rehearsals of the data migration cutover found the gaps")

    assert alike(a, b).shared == ["rehearse", "data", "migration", "cutover"]
    assert alike(b, a).shared == ["rehearsals", "data", "migration", "cutover"]
    assert alike(a, b).title_words == alike(b, a).title_words == 4


def test_titles_sharing_two_words_of_many_do_not_look_alike():
    a = lesson("Data owners sign off the migration scope")
    b = lesson("Rehearse the data migration cutover twice")

    assert alike(a, b) is None and alike(b, a) is None


def test_texts_sharing_most_words_look_alike_when_their_titles_share_one():
    advice = "Freeze the chart of accounts a month before cutover, agree it with finance."
    a = lesson("Freeze the chart of accounts early", advice)
    b = lesson("Late ledger changes hit the finance close", advice)
    c = lesson("Late chart changes slipped the cutover", advice)

    assert alike(a, b) is None  # the same advice, about different things
    assert alike(a, c) is not None and alike(c, a) is not None


def test_the_same_story_told_by_two_people_looks_alike():
    """Two accounts of one problem share well under half their words, yet are one lesson."""
    a = lesson(
        "Book business testers' time with their managers before the test plan is final",
        "Acceptance testing ran late because the business testers' managers released them "
        "for half the agreed days. Agree tester time with their managers, in writing, before "
        "the test plan is final. Regression defects reached production on the cutover weekend.",
    )
    b = lesson(
        "User acceptance testers were released by their managers for only half the time agreed",
        "Testers spent half their agreed days on acceptance testing; their managers kept them "
        "on daily work. Put the testing days in the plan their managers sign, and track them. "
        "The schedule slipped three weeks and the sponsor escalated to the steering committee.",
    )
    assert alike(a, b) is not None and alike(b, a) is not None


def test_two_title_words_and_a_few_others_do_not_make_lessons_alike():
    a = lesson(
        "Supplier test environment arrived late",
        "Make each test environment a deliverable with readiness criteria and a named owner.",
    )
    b = lesson(
        "Supplier invoices were paid late",
        "Agree payment terms with procurement before the contract is signed, and name an owner.",
    )
    assert alike(a, b) is None


def test_the_search_query_still_reads_words_as_typed():
    parsed = parse_query("\"Supplier's test\" 'cutover' -the OR İstanbul")
    assert parsed.groups == [[["supplier's", "test"], ["cutover"]], [["i̇stanbul"]]]
    assert parsed.excluded == []
