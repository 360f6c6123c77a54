"""``make quality``: how well search finds the right lessons, on real records.

Imports the relevance set (bench/relevance/: 170 NASA LLIS records, 44 graded queries) into
a fresh database through the real importer, runs every query as a signed-in reader through
the search page, and scores the order the page gives: nDCG@5 and recall@20, per query, per
kind of query and overall, and the share of queries with no result (docs/search-quality.md).

- ``metrics``: the figures, pure functions over ranked ids and grades;
- ``rankers``: one ranker per search mode (query text -> ordered Lesson IDs);
- ``corpus``: the people, the import and the queries;
- ``__main__``: the database, the run, the table and bench/results/quality-<vendor>.json.
"""
