"""``python -m bench.quality``: search quality on the relevance set, in a fresh database.

By default the database is a SQLite file in a temporary directory, removed afterwards.
``--database-url postgres://USER@HOST:PORT/NAME`` uses PostgreSQL instead: the database
NAME is dropped and created afresh (as ``make bench`` does), so give it one of its own.
Prints the column report of the import and a table of the figures, and writes them, with
every query's, to bench/results/quality-<database vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.__main__ import RESULTS, recreate_postgres_database
from bench.quality.metrics import NDCG, RECALL, RECALL_DEPTH, QueryScore, summarise_by_kind

if TYPE_CHECKING:
    from accounts.models import User
    from bench.quality.corpus import Query

# Databases a run must never drop (the server's own, and the one reserved for tests).
PROTECTED_DATABASES = {"postgres", "template0", "template1", "test"}
REPOSITORY = Path(__file__).resolve().parents[2]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from bench.quality.rankers import RANKERS

    parser = argparse.ArgumentParser(
        prog="python -m bench.quality",
        description="Search quality on the relevance set (bench/relevance/), in a fresh database.",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database to drop and create afresh (default: a temporary SQLite file)",
    )
    parser.add_argument(
        "--mode",
        action="append",
        choices=sorted(RANKERS),
        help="search mode to measure, repeatable (default: every mode there is)",
    )
    args = parser.parse_args(argv)
    args.mode = args.mode or list(RANKERS)
    return args


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """The URL of an empty database: ``url`` recreated, or a temporary SQLite file."""
    if not url:
        with tempfile.TemporaryDirectory(prefix="hindsight-quality-") as directory:
            yield f"sqlite:///{Path(directory) / 'quality.sqlite3'}"
        return
    name = url.rsplit("/", 1)[-1]
    if not url.startswith("postgres") or not name:
        raise SystemExit(f"--database-url takes postgres://USER@HOST:PORT/NAME, not {url!r}")
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to drop the database {name!r}: name one for this run")
    recreate_postgres_database(url)
    yield url


def configure_django(url: str) -> None:
    """Django on ``url`` with development settings, pages' contexts recorded for the client."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "true"  # plain static files, no secret key needed
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()


def commit_hash() -> str | None:
    """The checked-out commit, if this is a git work tree (read only)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def database_description() -> dict[str, str]:
    """The database in use: vendor ("sqlite", "postgresql") and server version."""
    from django.db import connection

    version = ".".join(str(part) for part in connection.get_database_version())
    return {
        "database": connection.vendor,
        "database_version": f"{connection.display_name} {version}",
    }


def load_records() -> tuple[User, int]:
    """Migrate, create the people, import the log (printing its column report)."""
    from django.core.management import call_command

    from bench.quality.corpus import column_lines, create_people, create_unnamed_project, import_log

    call_command("migrate", verbosity=0)
    administrator, reader = create_people()
    report = import_log(administrator, create_unnamed_project())
    print(f"Imported {len(report.created_ids)} lessons in {report.seconds:.1f} s, no problem row.")
    print("What the import did with each column:")
    print("\n".join(column_lines(report)))
    return reader, len(report.created_ids)


def measure(
    mode: str, reader: User, queries: Sequence[Query], depth: int = RECALL_DEPTH
) -> list[QueryScore]:
    """Every query through the ranker of ``mode``, scored against its grades."""
    from bench.quality.metrics import score_query
    from bench.quality.rankers import RANKERS

    ranker = RANKERS[mode](reader)
    return [
        score_query(query.id, query.kind, query.text, ranker(query.text, depth), query.grades)
        for query in queries
    ]


def print_scores(mode: str, scores: Sequence[QueryScore]) -> None:
    """A line per query, then the means per kind."""
    print(f"\n{mode}: per query")
    print(f"  {'query':<6}{'kind':<13}{NDCG:>9}{RECALL:>11}{'found':>7}  text")
    for s in scores:
        text = s.text if len(s.text) <= 60 else s.text[:59] + "…"
        print(f"  {s.query_id:<6}{s.kind:<13}{s.ndcg:9.3f}{s.recall:11.3f}{s.returned:7d}  {text}")
    print(f"\n{mode}: means")
    print(f"  {'kind':<13}{'queries':>8}{NDCG:>9}{RECALL:>11}{'no result':>11}")
    for kind, figures in summarise_by_kind(scores).items():
        print(
            f"  {kind:<13}{figures['queries']:>8}{figures[NDCG]:>9.3f}"
            f"{figures[RECALL]:>11.3f}{figures['zero_results']:>11.0%}"
        )


def mode_figures(scores: Sequence[QueryScore]) -> dict[str, Any]:
    """A mode's means and every query's figures, for the JSON file."""
    return {
        "summary": summarise_by_kind(scores),
        "per_query": [
            {
                "id": s.query_id,
                "kind": s.kind,
                "text": s.text,
                NDCG: round(s.ndcg, 3),
                RECALL: round(s.recall, 3),
                "returned": s.returned,
                "top": s.top,
                "ranks": s.ranks,
            }
            for s in scores
        ],
    }


def write_results(figures: dict[str, Any]) -> Path:
    """bench/results/quality-<vendor>.json."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"quality-{figures['database']}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run(modes: Sequence[str]) -> dict[str, Any]:
    """Load the records, measure each mode, print the tables; the figures for the file."""
    from bench.quality.corpus import load_queries

    started = time.monotonic()
    reader, lessons = load_records()
    queries = load_queries()
    figures: dict[str, Any] = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
        **database_description(),
        "commit": commit_hash(),
        "lessons": lessons,
        "queries": len(queries),
        "modes": {},
    }
    for mode in modes:
        scores = measure(mode, reader, queries)
        print_scores(mode, scores)
        figures["modes"][mode] = mode_figures(scores)
    figures["seconds"] = round(time.monotonic() - started, 1)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with fresh_database(args.database_url) as url:
        configure_django(url)
        from django.db import connections

        try:
            figures = run(args.mode)
        finally:
            connections.close_all()  # before the temporary directory goes
    path = write_results(figures)
    print(f"\n{figures['database_version']}, {figures['seconds']} s; figures in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
