"""Exports of a search as CSV, XLSX and JSON: the page's lessons in the page's order, visible
lessons only, no anonymous submitter, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from lessons import workflow
from lessons.models import Lesson
from lessons.transfer.exports import COLUMN_KEYS
from tests.factories import LessonFactory, RatingFactory, UserFactory

FORMATS = ("csv", "xlsx", "json")
PAGE_SIZE = 20


@pytest.fixture
def as_reader(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def as_curator(client, curator):
    client.force_login(curator)
    return client


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def exported_rows(client, fmt: str, params: dict | None = None) -> list[dict]:
    """Every exported lesson as a dict of column -> value (XLSX and CSV as text)."""
    response = client.get(f"/lessons/export.{fmt}", params or {})
    assert response.status_code == 200, response
    data = body(response)
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    if fmt == "json":
        document = json.loads(data)
        assert document["count"] == len(document["lessons"])
        return document["lessons"]
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMN_KEYS
    return [dict(zip(COLUMN_KEYS, row, strict=True)) for row in rows[1:]]


def page_ids(client, params: dict) -> list[int]:
    """The lesson ids of every page of /lessons/ for these parameters, in order."""
    ids, number = [], 1
    while True:
        response = client.get("/lessons/", {**params, "page": number})
        ids += [lesson.pk for lesson in response.context["lessons"]]
        if not response.context["next_url"]:
            return ids
        number += 1


@pytest.fixture
def collection(project_a, project_b, contributor):
    """Twenty-five lessons over two projects, with ratings, views, tags and words to find."""
    raters = [UserFactory() for _ in range(3)]
    for n in range(25):
        lesson = LessonFactory(
            title=f"Supplier lesson {n:02d}" if n % 3 else f"Vendor handover {n:02d}",
            summary="Supplier onboarding took longer than planned." if n % 2 else "Handover.",
            project=project_a if n % 2 else project_b,
            impact=["low", "medium", "high", "critical"][n % 4],
            occurred_on=dt.date(2025, 1, 1) + dt.timedelta(days=n),
            tags=["supplier", f"wave-{n % 3}"],
        )
        Lesson.objects.filter(pk=lesson.pk).update(view_count=(n * 7) % 11)
        for rater in raters[: n % 4]:
            RatingFactory(lesson=lesson, user=rater, score=1 + (n % 5))
    from lessons.ratings import refresh_rating_aggregates

    for pk in Lesson.objects.values_list("pk", flat=True):
        refresh_rating_aggregates(pk)


SEARCHES = [
    {},
    {"q": "supplier"},
    {"q": "supplier handover", "sort": "newest"},
    {"q": "supplier or handover"},
    {"sort": "useful"},
    {"sort": "viewed"},
    {"impact": ["high", "critical"], "sort": "newest"},
    {"project": "PRJ-A", "tag": "wave-1"},
]


@pytest.mark.parametrize("params", SEARCHES)
def test_each_format_lists_the_pages_lessons_in_the_pages_order(as_reader, collection, params):
    expected = page_ids(as_reader, params)
    assert expected, "the search should find lessons"
    for fmt in FORMATS:
        assert [int(row["id"]) for row in exported_rows(as_reader, fmt, params)] == expected, fmt


def test_curators_export_the_statuses_they_choose(as_curator, collection, project_a):
    draft = LessonFactory(title="Draft to export", status="draft", project=project_a)
    params = {"status": ["draft", "published"], "sort": "newest"}
    expected = page_ids(as_curator, params)
    assert draft.pk in expected
    for fmt in FORMATS:
        assert [int(row["id"]) for row in exported_rows(as_curator, fmt, params)] == expected


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_cells_starting_like_a_formula_are_neutralised_in_csv_and_xlsx(as_reader, start):
    LessonFactory(
        title=f'{start}HYPERLINK("http://evil.example","click")',
        summary=f"{start}1+2",
        recommendation=f"{start}cmd|' /C calc'!A0",
        tags=[f"{start}tag"],
    )
    for fmt in ("csv", "xlsx"):
        (row,) = exported_rows(as_reader, fmt)
        assert row["title"] == f'\'{start}HYPERLINK("http://evil.example","click")', fmt
        assert row["summary"] == f"'{start}1+2", fmt
        assert row["lesson"] == f"'{start}cmd|' /C calc'!A0", fmt
        assert row["tags"] == f"'{start}tag", fmt
    # JSON is data, not a spreadsheet: the text is exactly as written.
    (row,) = exported_rows(as_reader, "json")
    assert row["title"].startswith(start) and row["tags"] == [f"{start}tag"]


def test_xlsx_text_cells_are_strings_never_formulas(as_reader):
    LessonFactory(title="=1+1", summary="\tindented", root_cause="plain")
    response = as_reader.get("/lessons/export.xlsx")
    sheet = load_workbook(io.BytesIO(body(response))).active
    header = [cell.value for cell in sheet[1]]
    row = sheet[2]
    for key in ("title", "summary", "root_cause"):
        cell = row[header.index(key)]
        assert cell.data_type == "s", key
    assert row[header.index("title")].value == "'=1+1"
    assert row[header.index("summary")].value == "'\tindented"
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="hindsight-lessons.xlsx"' in response["Content-Disposition"]


def test_a_reader_never_exports_a_lesson_they_may_not_see(
    client, reader, contributor, project_a, project_b
):
    open_lesson = LessonFactory(title="Open to all", project=project_b)
    members_only = LessonFactory(title="Members of B only", visibility="project", project=project_b)
    team_a = LessonFactory(title="Members of A only", visibility="project", project=project_a)
    restricted = LessonFactory(title="Confidential", visibility="restricted", project=project_a)
    submitted = LessonFactory(title="Not yet published", status="submitted", project=project_a)
    everything = {
        "status": [s.value for s in Lesson.Status],
        "visibility": ["project", "restricted", "organisation"],
    }
    hidden_from_reader = {members_only.pk, team_a.pk, restricted.pk, submitted.pk}
    client.force_login(reader)
    for fmt in FORMATS:
        for params in ({}, everything):
            ids = {int(row["id"]) for row in exported_rows(client, fmt, params)}
            assert open_lesson.pk in ids and not ids & hidden_from_reader, (fmt, params)
    # Colin is in project A: its members-only lesson, not B's, and nothing restricted.
    client.force_login(contributor)
    for fmt in FORMATS:
        ids = {int(row["id"]) for row in exported_rows(client, fmt, everything)}
        assert ids == {open_lesson.pk, team_a.pk}, fmt


def test_an_anonymous_lessons_submitter_is_never_exported(client, curator, contributor):
    LessonFactory(title="Named", submitted_by=contributor)
    secret = LessonFactory(
        title="Anonymous", submitted_by=contributor, is_anonymous=True, status="draft"
    )
    workflow.submit(secret, by=contributor)
    workflow.approve(Lesson.objects.get(pk=secret.pk), by=curator)
    client.force_login(curator)
    for fmt in FORMATS:
        rows = {row["title"]: row for row in exported_rows(client, fmt)}
        assert rows["Named"]["submitted_by"] == "Colin Contributor", fmt
        assert rows["Anonymous"]["submitted_by"] in ("", None), fmt
        raw = body(client.get(f"/lessons/export.{fmt}"))
        if fmt != "xlsx":
            assert raw.decode().count("Colin") == 1, fmt  # only the named lesson's cell


def test_json_export_gives_codes_lists_and_iso_dates(as_reader, project_a):
    LessonFactory(
        title="Typed",
        kind="went_well",
        impact="high",
        occurred_on=dt.date(2025, 3, 4),
        project=project_a,
        tags=["b-tag", "a-tag"],
    )
    (row,) = exported_rows(as_reader, "json")
    assert list(row) == COLUMN_KEYS
    assert row["kind"] == "went_well" and row["impact"] == "high"
    assert row["tags"] == ["a-tag", "b-tag"]
    assert row["occurred_on"] == "2025-03-04"
    assert row["project"] == "PRJ-A"
    assert row["url"].endswith(f"/lessons/{row['id']}/")
    (csv_row,) = exported_rows(as_reader, "csv")
    assert csv_row["kind"] == "Went well" and csv_row["tags"] == "a-tag, b-tag"


def _export_queries(client, fmt: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        body(client.get(f"/lessons/export.{fmt}", {"q": "supplier", "tag": "supplier"}))
    return len(queries)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_runs_the_same_queries_for_few_or_many_lessons(
    as_reader, project_a, fmt, django_assert_max_num_queries
):
    for n in range(3):
        LessonFactory(title=f"Supplier {n}", project=project_a, tags=["supplier", f"t{n}"])
    few = _export_queries(as_reader, fmt)
    for n in range(3, 60):
        LessonFactory(title=f"Supplier {n}", project=project_a, tags=["supplier", f"t{n}"])
    many = _export_queries(as_reader, fmt)
    assert many == few
    # 1-3 session, user and the user's roles; 4 the tag parameter's check; 5 the count and
    # 6 the ranked ids; then per chunk of 1,000: 7 the lessons (with project, type,
    # department, phase, category and submitter) and 8 their tags. 9: the lesson content
    # type, when not cached yet.
    with django_assert_max_num_queries(9):
        body(as_reader.get(f"/lessons/export.{fmt}", {"q": "supplier", "tag": "supplier"}))


def test_the_search_page_offers_the_three_formats_with_its_parameters(as_reader, project_a):
    LessonFactory(title="Offered", project=project_a)
    response = as_reader.get("/lessons/", {"q": "offered", "project": "PRJ-A"})
    links = dict(response.context["export_links"])
    assert set(links) == {"CSV", "Excel", "JSON"}
    for label, url in links.items():
        assert "q=offered" in url and "project=PRJ-A" in url, label
        assert url in response.content.decode().replace("&amp;", "&")
