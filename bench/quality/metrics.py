"""The figures of search quality: nDCG@k, recall@k, and their means per kind of query.

Pure functions over lists of record ids and a query's grades (record id -> 1, 2 or 3; a
record not graded is grade 0): nothing here knows of Django or of how a ranking was made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

NDCG_DEPTH = 5
RECALL_DEPTH = 20
RECALL_MIN_GRADE = 2  # "clearly relevant" or better: what a reader should not miss
NDCG = f"ndcg@{NDCG_DEPTH}"  # the names of the figures, in tables and files
RECALL = f"recall@{RECALL_DEPTH}"


def dcg(grades: Iterable[int]) -> float:
    """Discounted cumulative gain: gain 2^g - 1 at rank r (from 1), divided by log2(r + 1)."""
    return sum((2**grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, 1))


def ndcg_at(depth: int, ranked: Sequence[str], grades: Mapping[str, int]) -> float:
    """nDCG of the first ``depth`` records against the best order the grades allow."""
    ideal = dcg(sorted(grades.values(), reverse=True)[:depth])
    if not ideal:
        return 0.0
    return dcg(grades.get(record, 0) for record in ranked[:depth]) / ideal


def recall_at(
    depth: int, ranked: Sequence[str], grades: Mapping[str, int], min_grade: int = RECALL_MIN_GRADE
) -> float:
    """Share of the records graded ``min_grade`` or more that are in the first ``depth``."""
    wanted = {record for record, grade in grades.items() if grade >= min_grade}
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:depth])) / len(wanted)


@dataclass(frozen=True)
class QueryScore:
    """One query's figures, and where its graded records came (rank from 1, None if absent)."""

    query_id: str
    kind: str
    text: str
    ndcg: float
    recall: float
    returned: int  # records in the ranking, at most its depth
    ranks: dict[str, int | None]  # graded record -> its rank in the ranking
    top: list[str]  # the first NDCG_DEPTH records

    @property
    def zero_results(self) -> bool:
        return self.returned == 0


def score_query(
    query_id: str, kind: str, text: str, ranked: Sequence[str], grades: Mapping[str, int]
) -> QueryScore:
    """The figures of one ranking of one query."""
    positions = {record: rank for rank, record in enumerate(ranked, 1)}
    return QueryScore(
        query_id=query_id,
        kind=kind,
        text=text,
        ndcg=ndcg_at(NDCG_DEPTH, ranked, grades),
        recall=recall_at(RECALL_DEPTH, ranked, grades),
        returned=len(ranked),
        ranks={record: positions.get(record) for record in grades},
        top=list(ranked[:NDCG_DEPTH]),
    )


def summarise(scores: Sequence[QueryScore]) -> dict[str, float | int]:
    """Means over ``scores``: nDCG, recall, the share of queries with no result."""
    count = len(scores)
    if not count:
        return {"queries": 0}
    return {
        "queries": count,
        NDCG: round(sum(s.ndcg for s in scores) / count, 3),
        RECALL: round(sum(s.recall for s in scores) / count, 3),
        "zero_results": round(sum(s.zero_results for s in scores) / count, 3),
    }


def summarise_by_kind(scores: Sequence[QueryScore]) -> dict[str, dict[str, float | int]]:
    """The means for each kind of query (in order of first appearance), then for all."""
    kinds = list(dict.fromkeys(score.kind for score in scores))
    by_kind = {kind: summarise([s for s in scores if s.kind == kind]) for kind in kinds}
    by_kind["all"] = summarise(scores)
    return by_kind
