"""Reading the heat maps the figures return, in the tests of several figures."""

from __future__ import annotations


def cells_of(matrix) -> dict[tuple[str, str], tuple[int, int]]:
    """(row label, column label) -> (count, shade) of every cell."""
    return {
        (row["label"], cell["column"]): (cell["count"], cell["level"])
        for row in matrix["rows"]
        for cell in row["cells"]
    }
