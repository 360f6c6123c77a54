"""Generated lessons for benchmarks: ``seed_demo --lessons N``.

Text is drawn from a Zipf-distributed vocabulary (the demo lessons' own words first, then
made-up words up to 20,000), so common words are broad and rare words narrow, as in a real
collection. Rows go in with bulk inserts; history is not recorded for generated lessons.
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

from lessons import search
from lessons.demo_content import PARTS
from lessons.models import Category, Lesson
from projects.models import Phase, Project

VOCABULARY_SIZE = 20_000
BATCH_SIZE = 2_000


def _vocabulary(rng: random.Random) -> list[str]:
    seen: dict[str, None] = {}
    for entry in itertools.chain.from_iterable(PARTS):
        for field in ("title", "summary", "context", "recommendation"):
            for word in re.findall(r"[a-z]{3,}", entry[field].lower()):
                seen.setdefault(word, None)
    words = list(seen)
    rng.shuffle(words)
    while len(words) < VOCABULARY_SIZE:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 10))))
    return words[:VOCABULARY_SIZE]


class _Text:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = _vocabulary(rng)
        self.cum_weights = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.words) + 1))
        )

    def words_(self, n: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=n)

    def sentence(self, low: int, high: int) -> str:
        words = self.words_(self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence(6, 16) for _ in range(sentences))


def generate_lessons(count: int, stdout: TextIO | None = None, seed: int = 7) -> int:
    """Insert ``count`` generated published lessons spread over the existing projects."""
    rng = random.Random(seed)
    text = _Text(rng)
    projects = list(Project.objects.all())
    if not projects:
        raise ValueError("Load the demo organisation first (seed_demo without --lessons).")
    phases_by_project: dict[int, list[int]] = {}
    for phase_id, project_id in Phase.objects.values_list("id", "project_id"):
        phases_by_project.setdefault(project_id, []).append(phase_id)
    category_ids = list(Category.objects.values_list("id", flat=True))
    tag_names = [f"{w}-{v}" for w, v in zip(text.words[:300], text.words[300:600], strict=True)]
    tag_names += list(Tag.objects.values_list("name", flat=True))
    lesson_type = ContentType.objects.get_for_model(Lesson)
    kinds, impacts = list(Lesson.Kind.values), list(Lesson.Impact.values)
    likelihoods = list(Lesson.Likelihood.values)
    now = timezone.now()
    added = 0
    while added < count:
        size = min(BATCH_SIZE, count - added)
        with transaction.atomic():
            tags = {
                name: Tag.objects.get_or_create(name=name, defaults={"slug": name})[0].id
                for name in set(rng.sample(tag_names, min(40, len(tag_names))))
            }
            batch = []
            for _ in range(size):
                project = rng.choice(projects)
                published = now - dt.timedelta(days=rng.randint(1, 3 * 365))
                roll = rng.random()
                batch.append(
                    Lesson(
                        title=text.sentence(5, 10).rstrip("."),
                        summary=text.sentence(12, 24),
                        context=text.paragraph(3),
                        root_cause=text.paragraph(1),
                        recommendation=text.paragraph(2),
                        kind=rng.choice(kinds),
                        impact=rng.choice(impacts),
                        likelihood=rng.choice(likelihoods),
                        category_id=rng.choice(category_ids),
                        project=project,
                        phase_id=rng.choice(phases_by_project.get(project.id, [None])),
                        occurred_on=published.date() - dt.timedelta(days=rng.randint(5, 60)),
                        visibility="organisation"
                        if roll < 0.85
                        else "project"
                        if roll < 0.95
                        else "restricted",
                        status="published",
                        published_at=published,
                        created_at=published,
                        view_count=rng.randint(0, 300),
                        rating_count=0,
                        rating_avg=0.0,
                    )
                )
            Lesson.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            tag_ids = list(tags.values())
            TaggedItem.objects.bulk_create(
                [
                    TaggedItem(tag_id=tag_id, content_type=lesson_type, object_id=lesson.pk)
                    for lesson in batch
                    for tag_id in rng.sample(tag_ids, rng.randint(1, 4))
                ],
                batch_size=BATCH_SIZE,
            )
            search.index_lessons([lesson.pk for lesson in batch])
        added += size
        if stdout is not None and (added % 10_000 == 0 or added == count):
            stdout.write(f"  {added}/{count} lessons")
    return added
