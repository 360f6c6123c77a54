"""``make bench``: load generated lessons into PostgreSQL and time what users wait for.

Writes the figures to bench/results/latest.json and prints them. Timings are wall-clock
medians and 95th percentiles over repeated requests through Django's test client (no network),
so they measure the app and its queries, not a web server.

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hindsight_bench); the
database is dropped and created afresh at the start of every run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/hindsight_bench"
RESULTS = Path(__file__).resolve().parent / "results"


def recreate_database(url: str) -> None:
    """Start every run from an empty database, so runs compare."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def timed(fn, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1),
        "runs": repeat,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lessons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from lessons.models import Lesson

    figures: dict[str, object] = {"lessons_generated": args.lessons}
    call_command("migrate", verbosity=0)

    start = time.perf_counter()
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    figures["seed_demo_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    call_command("seed_demo", lessons=args.lessons, stdout=open(os.devnull, "w"))  # noqa: SIM115
    figures["seed_generated_s"] = round(time.perf_counter() - start, 1)
    figures["lessons_total"] = Lesson.objects.count()

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    lesson_id = Lesson.objects.published().filter(visibility="organisation").latest("pk").pk
    for username in ("reader", "curator"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        figures[f"home_{username}"] = timed(lambda c=client: c.get("/"), args.repeat)
        figures[f"lesson_detail_{username}"] = timed(
            lambda c=client: c.get(f"/lessons/{lesson_id}/"), args.repeat
        )

    RESULTS.mkdir(exist_ok=True)
    figures["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2) + "\n")
    json.dump(figures, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
