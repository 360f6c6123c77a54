"""``make bench``: load generated lessons and time what users wait for.

Loads N generated lessons (default 100,000) into BENCH_DATABASE_URL (default: a PostgreSQL
database ``hindsight_bench`` on 127.0.0.1, dropped and created afresh), then times, through
Django's test client as the demo reader, with production settings (server-side time, no
network):

- a rotating set of 40+ searches in classes (rare, medium and broad words, two words,
  phrases, words with filters, filters only sorted by usefulness, deep pages), each page
  with all its facet counts;
- the same requests done naively (icontains and one COUNT per facet option), on a sample;
- the home page and a lesson page.

Prints the figures and writes them to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/hindsight_bench"
RESULTS = Path(__file__).resolve().parent / "results"


def recreate_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        "max_ms": round(ordered[-1], 1),
        "requests": len(ordered),
    }


def results_on(response) -> int:
    """The result count the search page shows (its heading: "1,234 lessons")."""
    heading = re.search(r'id="results-heading"[^>]*>([\d,]+) lesson', response.content.decode())
    if heading is None:
        raise SystemExit("the search page shows no result count")
    return int(heading.group(1).replace(",", ""))


def timed_ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per search")
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=3,
        help="searches also run naively (a third from each word class)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it already holds the lessons"
    )
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    fresh = not args.reuse
    if url.startswith("postgres") and fresh:
        recreate_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    # Production settings, as users are served: no debug query log, no test instrumentation
    # of templates (which copies the context of every included card).
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"  # TLS ends at the proxy in front
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from bench.naive import naive_search
    from bench.searches import BROAD, MEDIUM, RARE, build_searches
    from lessons.models import Lesson

    figures: dict[str, object] = {
        "database": connection.vendor,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
    }
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # hashed names, as served
    with open(os.devnull, "w") as quiet:
        if fresh or Lesson.objects.count() < args.lessons:
            start = time.perf_counter()
            call_command("seed_demo", stdout=quiet)
            figures["seed_demo_s"] = round(time.perf_counter() - start, 1)
            start = time.perf_counter()
            call_command("seed_demo", lessons=args.lessons, stdout=quiet)
            figures["seed_generated_s"] = round(time.perf_counter() - start, 1)
    figures["lessons"] = Lesson.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE lessons_lesson")
            cursor.execute("ANALYZE")

    reader = User.objects.get(username="reader")
    client = Client(secure=True)
    client.force_login(reader)
    searches = build_searches()
    figures["searches"] = len(searches)

    by_kind: dict[str, list[float]] = {}
    per_search: list[dict] = []
    for each in searches:
        response = client.get("/lessons/", each.params)  # warm-up, and a check
        if response.status_code != 200:
            raise SystemExit(f"{each.label} answered {response.status_code}")
        total = results_on(response)
        samples = [
            timed_ms(lambda p=each.params: client.get("/lessons/", p)) for _ in range(args.repeat)
        ]
        by_kind.setdefault(each.kind, []).extend(samples)
        per_search.append({"search": each.label, "results": total, **summary(samples)})
        print(
            f"  {summary(samples)['p50_ms']:7.1f} ms  {total:6d}  {each.label}",
            file=sys.stderr,
        )

    figures["by_class"] = {kind: summary(samples) for kind, samples in by_kind.items()}
    figures["all_searches"] = summary([s for samples in by_kind.values() for s in samples])
    figures["per_search"] = per_search

    # The naive implementation, on a sample spread over the word classes (0: skip it).
    sample = []
    for kind in (RARE, MEDIUM, BROAD) if args.naive_sample else ():
        sample += [s for s in searches if s.kind == kind][: max(1, args.naive_sample // 3)]
    naive_ms, ours_ms = [], []
    for each in sample:
        naive_ms.append(timed_ms(lambda p=each.params: naive_search(reader, p)))
        ours_ms.append(next(row["p50_ms"] for row in per_search if row["search"] == each.label))
        print(
            f"  naive {naive_ms[-1]:9.1f} ms vs {ours_ms[-1]:7.1f} ms  {each.label}",
            file=sys.stderr,
        )
    figures["naive_sample"] = (
        None
        if not sample
        else {
            "searches": len(sample),
            "naive": summary(naive_ms),
            "ours": summary(ours_ms),
            "ratio_of_medians": round(statistics.median(naive_ms) / statistics.median(ours_ms), 1),
            "ratio_of_totals": round(sum(naive_ms) / sum(ours_ms), 1),
        }
    )

    lesson_id = Lesson.objects.filter(status="published", visibility="organisation").latest("pk").pk
    figures["home"] = summary([timed_ms(lambda: client.get("/")) for _ in range(10)])
    figures["lesson_page"] = summary(
        [timed_ms(lambda: client.get(f"/lessons/{lesson_id}/")) for _ in range(10)]
    )
    figures["insights"] = summary([timed_ms(lambda: client.get("/insights/")) for _ in range(10)])
    # A curator's dashboard counts every published lesson: the largest set there is.
    curator_client = Client(secure=True)
    curator_client.force_login(User.objects.get(username="curator"))
    figures["insights_curator"] = summary(
        [timed_ms(lambda: curator_client.get("/insights/")) for _ in range(10)]
    )

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2) + "\n")
    printable = {k: v for k, v in figures.items() if k != "per_search"}
    json.dump(printable, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
