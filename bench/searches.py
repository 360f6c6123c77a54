"""The rotating set of searches ``make bench`` times, chosen from the generated data.

Words are picked by rank in the generator's Zipf vocabulary, then classed by the share of
lessons that really contain them (measured with the search backend itself):
rare < 1 %, medium 1-5 %, broad 20-50 %.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from demo.bulk import vocabulary
from lessons import search
from lessons.models import Lesson

RARE, MEDIUM, BROAD = "rare", "medium", "broad"


@dataclass
class BenchSearch:
    kind: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.kind}: " + " ".join(f"{k}={v}" for k, v in self.params.items())


def _share(word: str, total: int) -> float:
    return search.matching(Lesson.objects.all(), word).count() / total


def build_searches(seed: int = 7) -> list[BenchSearch]:
    rng = random.Random(seed)
    words = vocabulary(random.Random(seed))  # the generator's vocabulary, in rank order
    total = Lesson.objects.count()
    wanted = {
        RARE: (range(3000, 19000), 0.0, 0.01, 14),
        MEDIUM: (range(250, 2500), 0.01, 0.05, 14),
        BROAD: (range(15, 150), 0.20, 0.50, 10),
    }
    chosen: dict[str, list[str]] = {}
    for kind, (ranks, low, high, n) in wanted.items():
        found: list[str] = []
        candidates = list(ranks)
        rng.shuffle(candidates)
        for rank in candidates[: n * 8]:
            word = words[rank]
            share = _share(word, total)
            if low < share <= high or (kind == RARE and 0 < share <= high):
                found.append(word)
            if len(found) == n:
                break
        chosen[kind] = found

    searches = [BenchSearch(kind, {"q": word}) for kind, found in chosen.items() for word in found]
    medium, broad = chosen[MEDIUM], chosen[BROAD]
    searches += [
        BenchSearch("two words", {"q": f"{broad[0]} {medium[0]}"}),
        BenchSearch("two words", {"q": f"{broad[1]} {broad[2]}"}),
        BenchSearch("two words", {"q": f"{medium[1]} {medium[2]}"}),
    ]
    step = max(1, total // 4)
    for position in (step, 2 * step, 3 * step):  # the same lessons on every run
        lesson = Lesson.objects.order_by("pk")[position]
        first, second = lesson.title.lower().split()[:2]
        searches.append(BenchSearch("phrase", {"q": f'"{first} {second}"'}))
    searches += [
        BenchSearch("word + filters", {"q": broad[3], "category": "technical", "impact": "high"}),
        BenchSearch(
            "word + filters", {"q": medium[3], "kind": "went_wrong", "occurred_after": "2025-01-01"}
        ),
        BenchSearch(
            "word + filters", {"q": broad[4], "project_type": "software", "sort": "useful"}
        ),
        BenchSearch("filters only", {"category": "financial", "sort": "useful"}),
        BenchSearch("filters only", {"impact": "critical", "kind": "went_wrong", "sort": "useful"}),
        BenchSearch("filters only", {"sort": "useful"}),
        BenchSearch("deep page", {"q": broad[5], "page": 40}),
        BenchSearch("deep page", {"sort": "newest", "page": 200}),
    ]
    return searches
