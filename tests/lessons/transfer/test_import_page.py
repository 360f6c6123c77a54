"""The curators' import pages: upload, column choice, check and import, and the upload
kept safe between the steps (size limit, CSRF, tokens only its session may use)."""

from __future__ import annotations

import io

import pytest

from lessons.models import Lesson
from lessons.transfer import reading, uploads
from projects.models import Project
from tests.lessons.transfer.logs import (
    DEBRIS,
    GSDOP,
    LLIS_HEADER,
    MPCV,
    PRINCE2_HEADER,
    SMALL_HEADER,
    csv_bytes,
    llis_rows,
    prince2_rows,
    rows_for,
    xlsx_bytes,
)


def upload(client, data: bytes, name: str = "log.csv", **extra):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post("/lessons/import/", {"file": handle, **extra}, **extra.pop("headers", {}))


def mapping_post(response, **fields):
    """The mapping form's current values (as the page shows them), with changes."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data = {k: v for k, v in data.items() if v not in (False, None)}
    data.update(fields)
    return data


@pytest.mark.parametrize("persona", ["reader", "contributor"])
def test_only_curators_may_import(db, client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/lessons/import/").status_code == 403
    assert upload(client, csv_bytes(rows_for())).status_code == 403
    assert client.get("/lessons/import/abcdefghijklmnopqrstuvwx/").status_code == 403


def test_a_curator_uploads_checks_and_imports_a_log(client, setting, curator):
    client.force_login(curator)
    assert client.get("/lessons/import/").status_code == 200
    response = upload(client, csv_bytes(rows_for(count=3)))
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["column_1"].value() == "title" and form["column_11"].value() == "recommendation"

    checked = client.post(mapping_url, mapping_post(page, intent="check"))
    report = checked.context["report"]
    assert report.dry_run and report.ok and report.to_create == 3
    assert "Import 3 lessons" in checked.content.decode()
    assert not Lesson.objects.exists()

    done = client.post(mapping_url, mapping_post(page, intent="import"), follow=True)
    assert done.redirect_chain[-1][0] == "/lessons/import/done/"
    assert done.context["summary"]["created"] == 3
    assert Lesson.objects.filter(status="submitted").count() == 3
    # The upload is gone once imported.
    assert client.get(mapping_url).status_code == 302


def test_the_page_shows_row_problems_and_imports_nothing(client, setting, curator):
    client.force_login(curator)
    rows = rows_for(count=2)
    rows[1][4] = "someday"
    mapping_url = upload(client, csv_bytes(rows))["Location"]
    page = client.get(mapping_url)
    response = client.post(mapping_url, mapping_post(page, intent="import"))
    assert response.status_code == 200
    report = response.context["report"]
    assert not report.ok and report.problems[0].row == 3
    html = response.content.decode()
    assert "Nothing was imported" in html and "someday" in html
    assert not Lesson.objects.exists()


def test_the_curator_may_change_a_columns_field(client, setting, curator):
    client.force_login(curator)
    mapping_url = upload(client, csv_bytes(rows_for(count=1)))["Location"]
    page = client.get(mapping_url)
    # Ignore the category column, and read "What happened" as the summary instead.
    changes = {"column_6": "", "column_9": "summary", "intent": "import"}
    client.post(mapping_url, mapping_post(page, **changes))
    lesson = Lesson.objects.get()
    assert (
        lesson.category is None and lesson.summary.startswith("Onboarding") and not lesson.context
    )
    # Two columns for one field is refused with a message.
    mapping_url = upload(client, csv_bytes(rows_for(count=1, start=5)))["Location"]
    page = client.get(mapping_url)
    response = client.post(mapping_url, mapping_post(page, column_0="title", intent="check"))
    assert "Title is chosen for 2 columns" in response.content.decode()


def test_a_wrong_file_is_explained_on_the_upload_page(client, curator):
    client.force_login(curator)
    response = upload(client, b"\x00\x01\x02binary\x00\xff" * 100, name="photo.csv")
    assert response.status_code == 200
    assert "binary file" in response.content.decode()
    response = upload(client, b"", name="empty.csv")
    assert response.status_code == 200 and response.context["form"].errors


def test_an_upload_over_the_limit_is_stopped_while_it_arrives(client, curator, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 2048)
    client.force_login(curator)
    response = upload(client, csv_bytes(rows_for(count=40)))
    assert response.status_code == 200
    assert "the limit" in str(response.context["form"].errors["file"])


def test_the_upload_form_is_protected_against_cross_site_posts(setting, curator):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(curator)
    assert upload(browser, csv_bytes(rows_for())).status_code == 403
    page = browser.get("/lessons/import/")
    token = page.context["csrf_token"]
    handle = io.BytesIO(csv_bytes(rows_for()))
    handle.name = "log.csv"
    response = browser.post("/lessons/import/", {"file": handle, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_an_upload_is_only_reachable_from_the_session_that_made_it(client, setting, curator):
    client.force_login(curator)
    mapping_url = upload(client, csv_bytes(rows_for()))["Location"]
    token = mapping_url.rstrip("/").rsplit("/", 1)[1]
    assert uploads.upload_path(token).is_file()
    client.logout()
    from tests.factories import UserFactory

    other = UserFactory(username="other-curator", role="Curator")
    client.force_login(other)
    response = client.get(mapping_url)
    assert response.status_code == 302 and response["Location"] == "/lessons/import/"
    for bad in ("../../etc/passwd", "short", "a" * 100):
        with pytest.raises(FileNotFoundError):
            uploads.upload_path(bad)


def test_the_upload_script_gets_the_next_address_as_json(client, setting, curator):
    client.force_login(curator)
    handle = io.BytesIO(csv_bytes(rows_for()))
    handle.name = "log.csv"
    response = client.post(
        "/lessons/import/", {"file": handle}, headers={"X-Requested-With": "XMLHttpRequest"}
    )
    assert response.status_code == 200
    assert response.json()["location"].startswith("/lessons/import/")


def test_an_xlsx_with_several_sheets_offers_them(client, setting, curator):
    client.force_login(curator)
    data = xlsx_bytes(
        {
            "Notes": [["Nothing", "here"], ["at", "all"]],
            "Lessons": [SMALL_HEADER, ["From the second sheet", "PRJ-A", "Keep going"]],
        }
    )
    mapping_url = upload(client, data, name="log.xlsx")["Location"]
    page = client.get(mapping_url, {"sheet": "Lessons"})
    assert page.context["table"].sheet == "Lessons"
    assert "From the second sheet" in page.content.decode()
    client.post(mapping_url, mapping_post(page, intent="import", sheet="Lessons"))
    assert Lesson.objects.get().title == "From the second sheet"


def test_an_llis_export_goes_in_with_every_column_kept_or_reported(client, administrator):
    client.force_login(administrator)
    mapping_url = upload(client, csv_bytes(llis_rows(), LLIS_HEADER), name="llis.csv")["Location"]
    page = client.get(mapping_url)
    form = page.context["form"]
    assert form["column_4"].value() == form["column_5"].value() == "recommendation"
    assert form["column_13"].value() == ""  # Point of Contact: no field means it
    html = page.content.decode()
    assert "Filled in 4 rows, not imported: choose a field to keep it" in html

    checked = client.post(mapping_url, mapping_post(page, intent="check", create_missing="on"))
    report = checked.context["report"]
    assert report.ok and report.to_create == 4
    html = checked.content.decode()
    assert f"<li>GSDOP: {GSDOP}</li>" in html and f"<li>GSDOP-2: {DEBRIS}</li>" in html
    assert "Column &#x27;Point of Contact&#x27;, filled in 4 rows, will not be imported" in html
    assert "joined with Recommendation(s), each under its heading" in html
    assert not Project.objects.exists()

    # The curator keeps the column: any text field takes it under its heading.
    done = client.post(
        mapping_url,
        mapping_post(page, intent="import", create_missing="on", column_13="root_cause"),
        follow=True,
    )
    assert done.context["summary"]["created"] == 4
    assert done.context["summary"]["unimported_columns"] == []
    assert f"<li>MPCV: {MPCV}</li>" in done.content.decode()
    lesson = Lesson.objects.get(external_id="24803")
    assert lesson.project.name == GSDOP and lesson.project.code == "GSDOP"
    assert lesson.root_cause == "J. Doe, KSC-NE"  # the only root cause column: as it is
    assert lesson.recommendation.startswith("**Lesson(s) Learned**\n\nLearned: inspect crawler")
    assert "**Recommendation(s)**\n\nRecommend: add crawler" in lesson.recommendation


def test_the_done_page_names_the_columns_left_out(client, setting, curator):
    client.force_login(curator)
    data = csv_bytes(prince2_rows(), PRINCE2_HEADER)
    mapping_url = upload(client, data)["Location"]
    page = client.get(mapping_url)
    done = client.post(
        mapping_url, mapping_post(page, intent="import", project=str(setting.pk)), follow=True
    )
    assert done.context["summary"]["created"] == 2
    html = done.content.decode()
    assert "Columns not imported" in html
    assert "Column &#x27;Logged by&#x27;, filled in 2 rows, will not be imported" in html


def test_a_field_that_takes_one_column_still_refuses_two_and_a_wrong_choice_is_explained(
    client, administrator
):
    client.force_login(administrator)
    mapping_url = upload(client, csv_bytes(llis_rows(), LLIS_HEADER))["Location"]
    page = client.get(mapping_url)
    response = client.post(mapping_url, mapping_post(page, column_13="phase", intent="check"))
    assert response.status_code == 200
    assert "Phase is chosen for 2 columns: choose one." in response.content.decode()
    response = client.post(mapping_url, mapping_post(page, column_13="nonsense", intent="check"))
    assert response.status_code == 200 and response.context["form"].errors["column_13"]
    assert not Lesson.objects.exists()
