"""Measure where a reference sentence stops anchoring a key point (interviewer/scoring/features.py).

For every key point of the built-in bank: the cosine similarity (all-MiniLM-L6-v2) of its
closest sentence in its own reference answer, against that of the closest sentence in a
randomly drawn other question's reference answer (what similarity an unrelated sentence
reaches). Prints percentiles of both and the share of each above candidate thresholds.

    python evals/calibrate_anchors.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.bank.loading import load_bank  # noqa: E402
from interviewer.embeddings import get_embeddings  # noqa: E402
from interviewer.scoring.features import ANCHOR_MIN_SIMILARITY, split_sentences  # noqa: E402

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def main() -> None:
    bank = load_bank(KNOWLEDGE / "bank", KNOWLEDGE / "taxonomy.yaml")
    embedder = get_embeddings("")
    qs = bank.questions
    sentences = [split_sentences(q.reference_answer) for q in qs]
    owner = np.repeat(np.arange(len(qs)), [len(s) for s in sentences])
    s_vecs = embedder.encode([s for ss in sentences for s in ss], batch_size=64)
    kp_owner = np.repeat(np.arange(len(qs)), [len(q.key_points) for q in qs])
    kp_vecs = embedder.encode([k.text for q in qs for k in q.key_points], batch_size=64)
    sims = kp_vecs @ s_vecs.T
    rng = np.random.default_rng(0)
    own, other = [], []
    for i, o in enumerate(kp_owner):
        j = int(rng.integers(len(qs) - 1))
        j += j >= o
        own.append(sims[i, owner == o].max())
        other.append(sims[i, owner == j].max())
    own, other = np.array(own), np.array(other)
    print(f"{len(own)} key points of {len(qs)} questions")
    print("own reference, best sentence:   p5 %.3f  p10 %.3f  p25 %.3f  p50 %.3f" % tuple(np.percentile(own, [5, 10, 25, 50])))
    print("other reference, best sentence: p50 %.3f  p90 %.3f  p95 %.3f  p99 %.3f" % tuple(np.percentile(other, [50, 90, 95, 99])))
    for t in (0.25, 0.30, 0.35, 0.40, 0.45):
        mark = "  <- ANCHOR_MIN_SIMILARITY" if abs(t - ANCHOR_MIN_SIMILARITY) < 1e-9 else ""
        print(f"  >= {t:.2f}: own {100 * (own >= t).mean():5.1f}%   other {100 * (other >= t).mean():5.1f}%{mark}")


if __name__ == "__main__":
    main()
