"""/insights/actions/: the actions behind each action figure, within the same filters.

Worked out on ``kpi_world`` (see conftest.py), whose actions X1-X8 are named by
``describe_actions`` so the lists read as the figures count them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from insights.filters import InsightFilters
from tests.factories import ActionFactory

D = dt.date


def listed_actions(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return sorted(action.description for action in response.context["actions"])


def describe_actions(kpi_world):
    """Name each action of ``kpi_world`` X1..X8 by its creation order, to read the lists."""
    from lessons.models import Action

    for number, action in enumerate(Action.objects.order_by("pk"), start=1):
        Action.objects.filter(pk=action.pk).update(description=f"X{number}")


def test_every_action_figure_links_to_the_actions_behind_it(kpi_world, reader, curator, client):
    describe_actions(kpi_world)
    client.force_login(reader)
    page = client.get("/insights/").context
    # Reader: open X1 X2, X1 overdue, done X3 X4 X5. X6 (on L5) and X7 (on L6) are on lessons
    # Rita may not see: never listed, as never counted.
    assert listed_actions(client, page["actions_urls"]["open"]) == ["X1", "X2"]
    assert listed_actions(client, page["actions_urls"]["overdue"]) == ["X1"]
    assert listed_actions(client, page["actions_urls"]["done"]) == ["X3", "X4", "X5"]
    # The open actions' matrix: X2 has impact 5 and effort 1, X1 the default 3 and 3.
    quick_win = page["action_matrix"]["rows"][0]["cells"][0]
    assert (quick_win["count"], quick_win["url"]) == (
        1,
        "/insights/actions/?state=open&impact=5&effort=1",
    )
    assert listed_actions(client, quick_win["url"]) == ["X2"]
    client.force_login(curator)
    assert listed_actions(client, "/insights/actions/?state=overdue") == ["X1", "X6"]


def test_the_action_list_keeps_the_period_and_filters(kpi_world, reader, client):
    describe_actions(kpi_world)
    march = InsightFilters(start=D(2025, 3, 1), end=D(2025, 3, 31))
    url = march.actions_url(state="done")
    assert url == "/insights/actions/?from=2025-03-01&to=2025-03-31&state=done"
    client.force_login(reader)
    # Done in March: X4 and X5, as the figure counts.
    assert listed_actions(client, url) == ["X4", "X5"]
    assert client.get(url).context["insights_url"] == "/insights/?from=2025-03-01&to=2025-03-31"
    # Department: Engineering is P1, whose lessons L1 L2 carry X1 X2 (open) and X3 (done).
    engineering = InsightFilters(department=kpi_world["engineering"].pk)
    assert listed_actions(client, engineering.actions_url(state="open")) == ["X1", "X2"]


@pytest.mark.parametrize(
    "query", ["state=sometimes", "impact=9", "effort=x", "from=2025-13-45", "department=nope"]
)
def test_bad_action_list_choices_are_left_out_with_a_message(kpi_world, reader, client, query):
    client.force_login(reader)
    response = client.get(f"/insights/actions/?{query}")
    assert response.status_code == 200
    assert "could not be used" in response.content.decode()


def test_a_bad_choice_leaves_the_valid_ones_in_force(kpi_world, reader, client):
    describe_actions(kpi_world)
    client.force_login(reader)
    assert listed_actions(client, "/insights/actions/?state=overdue&impact=9") == ["X1"]


def test_the_action_list_runs_a_fixed_number_of_queries(
    kpi_world, reader, client, django_assert_max_num_queries
):
    client.force_login(reader)
    for lesson in kpi_world["lessons"].values():
        for _ in range(3):
            ActionFactory(lesson=lesson)
    with django_assert_max_num_queries(12):
        assert client.get("/insights/actions/?state=open").status_code == 200
