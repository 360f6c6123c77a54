"""Generated lessons for benchmarks: ``seed_demo --lessons N``.

Text is drawn from a Zipf-distributed vocabulary of 20,000 words (the demo lessons' own
words first, then made-up ones), so a few words are broad and most are rare, as in a real
collection: titles of 5-12 words, summaries of 20-40, bodies of 150-300. Every filter field
is spread the way real data is (mostly published and organisation-wide, a long tail of
tags, ratings on a minority). Rows go in with bulk inserts and are indexed for search in
the same transaction; history is not recorded for generated lessons.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import string
from typing import TextIO

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from accounts.models import User
from demo.content import lesson_parts
from lessons import search
from lessons.models import Category, Lesson, bayesian_usefulness
from projects.models import Phase, Project

VOCABULARY_SIZE = 20_000
TAG_POOL_SIZE = 400
BATCH_SIZE = 2_000


def vocabulary(rng: random.Random) -> list[str]:
    """20,000 distinct words, most frequent first (rank order for the Zipf draw)."""
    seen: dict[str, None] = {}
    for entry in itertools.chain.from_iterable(lesson_parts()):
        for name in ("title", "summary", "context", "root_cause", "recommendation"):
            for word in re.findall(r"[a-z]{3,}", entry[name].lower()):
                if word not in search.STOP_WORDS:
                    seen.setdefault(word, None)
    words = list(seen)
    rng.shuffle(words)
    known = set(words)
    while len(words) < VOCABULARY_SIZE:
        word = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 10)))
        if word not in known:
            known.add(word)
            words.append(word)
    return words[:VOCABULARY_SIZE]


class TextMaker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = vocabulary(rng)
        self.cum_weights = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.words) + 1))
        )

    def words_(self, n: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=n)

    def sentence(self, n: int) -> str:
        return " ".join(self.words_(n)).capitalize() + "."

    def text(self, low: int, high: int) -> str:
        """Sentences of 8-18 words adding up to between ``low`` and ``high`` words."""
        target, sentences, written = self.rng.randint(low, high), [], 0
        while written < target:
            n = min(self.rng.randint(8, 18), target - written)
            sentences.append(self.sentence(max(n, 1)))
            written += max(n, 1)
        return " ".join(sentences)


def _weighted(rng: random.Random, options: dict[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def generate_lessons(count: int, stdout: TextIO | None = None, seed: int = 7) -> int:
    """Insert ``count`` generated lessons spread over the existing projects."""
    rng = random.Random(seed)
    text = TextMaker(rng)
    projects = list(Project.objects.all())
    if not projects:
        raise ValueError("Load the demo organisation first (seed_demo without --lessons).")
    phases_by_project: dict[int, list[int]] = {}
    for phase_id, project_id in Phase.objects.values_list("id", "project_id"):
        phases_by_project.setdefault(project_id, []).append(phase_id)
    category_ids = list(Category.objects.values_list("id", flat=True))
    category_weights = [1 / (i + 1) ** 0.5 for i in range(len(category_ids))]
    author_ids = list(User.objects.values_list("id", flat=True))
    tag_ids = _tag_pool(text)
    tag_weights = list(itertools.accumulate(1 / rank for rank in range(1, len(tag_ids) + 1)))
    lesson_type = ContentType.objects.get_for_model(Lesson)
    now = timezone.now()
    added = 0
    while added < count:
        size = min(BATCH_SIZE, count - added)
        with transaction.atomic():
            batch = [
                _lesson(
                    rng,
                    text,
                    projects,
                    phases_by_project,
                    category_ids,
                    category_weights,
                    author_ids,
                    now,
                )
                for _ in range(size)
            ]
            Lesson.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            TaggedItem.objects.bulk_create(
                [
                    TaggedItem(tag_id=tag_id, content_type=lesson_type, object_id=lesson.pk)
                    for lesson in batch
                    for tag_id in set(
                        rng.choices(tag_ids, cum_weights=tag_weights, k=rng.randint(1, 4))
                    )
                ],
                batch_size=BATCH_SIZE,
            )
            search.index_lessons([lesson.pk for lesson in batch])
        added += size
        if stdout is not None and (added % 10_000 == 0 or added == count):
            stdout.write(f"  {added}/{count} lessons")
    return added


def _tag_pool(text: TextMaker) -> list[int]:
    """Existing tags first (they are the common ones), then made-up two-word tags."""
    names = list(Tag.objects.order_by("name").values_list("name", flat=True))
    pairs = zip(text.words[100:600:2], text.words[101:601:2], strict=True)
    names += [f"{a}-{b}" for a, b in pairs][: max(0, TAG_POOL_SIZE - len(names))]
    existing = dict(Tag.objects.values_list("name", "id"))
    missing = [Tag(name=name, slug=name) for name in names if name not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    existing = dict(Tag.objects.values_list("name", "id"))
    return [existing[name] for name in names]


def _lesson(
    rng, text, projects, phases_by_project, category_ids, category_weights, author_ids, now
) -> Lesson:
    project = rng.choice(projects)
    status = _weighted(
        rng, {"published": 88, "submitted": 4, "draft": 3, "archived": 3, "rejected": 2}
    )
    created = now - dt.timedelta(days=rng.randint(1, 3 * 365), minutes=rng.randint(0, 1440))
    published = created + dt.timedelta(days=rng.randint(1, 30))
    is_anonymous = rng.random() < 0.08
    rated = rng.random() < 0.35
    rating_count = rng.randint(1, 20) if rated else 0
    rating_avg = round(min(5.0, max(1.0, rng.gauss(3.6, 0.7))), 2) if rated else 0.0
    return Lesson(
        title=text.sentence(rng.randint(5, 12)).rstrip("."),
        summary=text.text(20, 40),
        context=text.text(80, 150),
        root_cause=text.text(30, 60),
        recommendation=text.text(40, 90),
        kind=_weighted(rng, {"went_wrong": 45, "went_well": 30, "improvement": 25}),
        impact=_weighted(rng, {"low": 15, "medium": 40, "high": 33, "critical": 12}),
        likelihood=_weighted(rng, {"rare": 25, "possible": 50, "likely": 25}),
        category_id=rng.choices(category_ids, weights=category_weights)[0],
        project=project,
        phase_id=rng.choice(phases_by_project.get(project.id, [None])),
        occurred_on=(created - dt.timedelta(days=rng.randint(0, 60))).date(),
        visibility=_weighted(rng, {"organisation": 80, "project": 13, "restricted": 7}),
        status=status,
        is_anonymous=is_anonymous,
        submitted_by_id=None if is_anonymous and status != "draft" else rng.choice(author_ids),
        published_at=published if status in ("published", "archived") else None,
        review_due=(published + dt.timedelta(days=365)).date() if status == "published" else None,
        created_at=created,
        view_count=min(int(rng.paretovariate(1.2) * 3), 100_000),
        rating_count=rating_count,
        rating_avg=rating_avg,
        usefulness=bayesian_usefulness(rating_avg, rating_count),
    )
