"""The lessons-per-month chart of /insights/: where each bar and label sits, in SVG units."""

from __future__ import annotations

from datetime import date

# In SVG user units: the chart scales to the page's width.
CHART_HEIGHT = 160
CHART_SLOT = 24  # one month: a bar and the gap beside it
CHART_BAR = 18
CHART_LABELS = 28  # room for month labels under the bars


def month_label(index: int, month: date, months: int) -> str:
    """Each January with its year; the first months of other quarters (or of every month,
    in a chart of a year or less) briefly; the first bar's year, so the chart is dated."""
    if month.month == 1:
        return month.strftime("%b %Y")
    if months <= 12 or month.month in (4, 7, 10):
        return month.strftime("%b %Y") if index == 0 else month.strftime("%b")
    return str(month.year) if index == 0 else ""


def month_bars(rows: list[dict], highest: int) -> dict:
    """Where each month's bar sits in the chart; every bar keeps its count and link."""
    bars = []
    for index, row in enumerate(rows):
        height = round(CHART_HEIGHT * row["count"] / highest) if highest else 0
        if row["count"] and height < 2:
            height = 2  # a month with lessons never looks empty
        month = row["month"]
        bars.append(
            {
                **row,
                "x": index * CHART_SLOT + (CHART_SLOT - CHART_BAR) // 2,
                "y": CHART_HEIGHT - height,
                "height": height,
                "label_x": index * CHART_SLOT + (CHART_SLOT - CHART_BAR) // 2,
                "label": month_label(index, month, len(rows)),
            }
        )
    return {
        "bars": bars,
        "width": max(len(rows) * CHART_SLOT, CHART_SLOT),
        "height": CHART_HEIGHT + CHART_LABELS,
        "plot_height": CHART_HEIGHT,
        "bar_width": CHART_BAR,
        "label_y": CHART_HEIGHT + 16,
    }
