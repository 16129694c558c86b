"""Metrics of the evaluation suite: pure functions over ranked ids, texts and labels.

Retrieval metrics treat relevance as binary. A retrieved chunk is relevant when it is one of the item's
reference chunks (its ``sources`` resolved against the index, plus explicit ``chunks`` ids). Recall counts
*evidence units*: each ``sources`` entry and each explicit chunk id is one unit, covered when any relevant
chunk for it is in the top k, so a multi-part question needs every part retrieved.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

import numpy as np


def hit_at_k(relevance: Sequence[bool], k: int) -> float:
    """1.0 when any of the top ``k`` results is relevant."""
    return 1.0 if any(relevance[:k]) else 0.0


def recall_at_k(units_covered_at: Sequence[int | None], k: int) -> float:
    """Share of evidence units whose first relevant result ranks within ``k``.

    Args:
        units_covered_at: per evidence unit, the 1-based rank of its first relevant result, or None.
        k: the cut-off.

    Returns:
        A value in [0, 1]; 0.0 when there are no units.
    """
    if not units_covered_at:
        return 0.0
    return sum(1 for rank in units_covered_at if rank is not None and rank <= k) / len(units_covered_at)


def reciprocal_rank(relevance: Sequence[bool]) -> float:
    """1 / rank of the first relevant result (0.0 when none is)."""
    for rank, relevant in enumerate(relevance, start=1):
        if relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevance: Sequence[bool], k: int, *, total_relevant: int) -> float:
    """Normalised discounted cumulative gain with binary gains.

    Args:
        relevance: per ranked result, whether it is relevant.
        k: the cut-off.
        total_relevant: how many relevant chunks exist in the index (the ideal ranking puts
            ``min(k, total_relevant)`` of them first).

    Returns:
        A value in [0, 1]; 0.0 when nothing relevant exists.
    """
    ideal_hits = min(k, total_relevant)
    if ideal_hits == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(relevance[:k], start=1) if rel)
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_hits + 1))
    return dcg / idcg


def normalise(text: str) -> str:
    """Lower case, accents kept, whitespace and thousands separators made uniform, for fact matching."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(?<=\d)[\u202f\u00a0 ](?=\d{3}\b)", ",", text)  # "5 000" / "5\u202f000" -> "5,000"
    return re.sub(r"\s+", " ", text)


def facts_found(facts: Sequence[str], text: str) -> list[bool]:
    """Per key fact, whether it appears in ``text`` (case-insensitive, whitespace-normalised)."""
    haystack = normalise(text)
    return [normalise(fact) in haystack for fact in facts]


def fraction(flags: Sequence[bool]) -> float:
    """Share of true flags; 0.0 for none."""
    return sum(flags) / len(flags) if flags else 0.0


def citation_support(facts: Sequence[str], answer: str, cited_texts: Sequence[str]) -> float | None:
    """Share of the facts found in the answer that also appear in a cited section's text.

    Returns:
        None when the answer states none of the facts (nothing to support).
    """
    stated = [fact for fact, found in zip(facts, facts_found(facts, answer), strict=True) if found]
    if not stated:
        return None
    sources = normalise("\n".join(cited_texts))
    return sum(1 for fact in stated if normalise(fact) in sources) / len(stated)


def abstention_scores(should_abstain: Sequence[bool], abstained: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of abstaining, where the positive class is "abstain".

    Precision is 1.0 when the assistant never abstained (no false alarms), recall is 1.0 when nothing
    had to be abstained on.
    """
    tp = sum(1 for s, a in zip(should_abstain, abstained, strict=True) if s and a)
    fp = sum(1 for s, a in zip(should_abstain, abstained, strict=True) if a and not s)
    fn = sum(1 for s, a in zip(should_abstain, abstained, strict=True) if s and not a)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"abstention_precision": precision, "abstention_recall": recall, "abstention_f1": f1}


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p95 and max of latencies in milliseconds (linear interpolation); zeros for none."""
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    arr = np.asarray(values, dtype=float)
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p95_ms": round(float(np.percentile(arr, 95)), 2),
        "max_ms": round(float(arr.max()), 2),
    }


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
