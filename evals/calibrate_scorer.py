"""Calibrate the offline scorer's thresholds on the question bank.

For each question it embeds the reference answer's sentences and measures, per key point,
the best sentence similarity (a correct answer: should be covered) and the best similarity
of sentences from a reference answer on a *different topic* (should not be). It prints the
percentiles of both, and the scores of strong / partial / weak / off-topic answers, which
is where COVER_THRESHOLD, KP_LOW/KP_HIGH and the off-topic thresholds in
interviewer/scoring.py come from.

    python evals/calibrate_scorer.py [--bank knowledge/bank]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np

from interviewer.bank import load_bank
from interviewer.config import KNOWLEDGE_DIR
from interviewer.embeddings import get_embeddings
from interviewer.models import Reference, RubricPoint
from interviewer.scoring import OfflineScorer, split_sentences

VAGUE = "It depends on the data and the model, so you should try a few things and see what works best."


def pct(xs, ps=(5, 10, 25, 50, 75, 90, 95)) -> str:
    return "  ".join(f"p{p}={np.percentile(xs, p):.2f}" for p in ps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", type=Path, default=KNOWLEDGE_DIR / "bank")
    args = ap.parse_args()
    bank = load_bank(args.bank, KNOWLEDGE_DIR / "taxonomy.yaml")
    emb = get_embeddings("")
    scorer = OfflineScorer(emb)
    rng = random.Random(0)
    refs = []
    for q in bank.questions:
        kp = emb.encode([k.text for k in q.key_points])
        r, qv = emb.encode([q.reference_answer, q.text])
        refs.append(Reference(
            question_id=q.id, question_text=q.text, topic=q.topic, reference_answer=q.reference_answer,
            key_points=[RubricPoint(index=i, text=k.text, weight=k.weight, follow_up=k.follow_up, embedding=v.tolist())
                        for i, (k, v) in enumerate(zip(q.key_points, kp))],
            reference_embedding=r.tolist(), question_embedding=qv.tolist()))
    own, other = [], []
    scores = {"strong": [], "partial": [], "weak": [], "off_topic": [], "question_copy": []}
    for ref in refs:
        others = [o for o in refs if o.topic != ref.topic]
        o = rng.choice(others)
        kp = np.array([p.embedding for p in ref.key_points])
        s_own = emb.encode(split_sentences(ref.reference_answer))
        s_oth = emb.encode(split_sentences(o.reference_answer))
        own += list((s_own @ kp.T).max(axis=0))
        other += list((s_oth @ kp.T).max(axis=0))
        sents = split_sentences(ref.reference_answer)
        scores["strong"].append(scorer.score(ref.reference_answer, ref).score)
        scores["partial"].append(scorer.score(" ".join(sents[:2]), ref).score)
        scores["weak"].append(scorer.score(VAGUE, ref).score)
        scores["off_topic"].append(scorer.score(o.reference_answer, ref).score)
        scores["question_copy"].append(scorer.score(ref.question_text, ref).score)
    print(f"{len(refs)} questions, {len(own)} key points")
    print("key point vs own reference sentences:   ", pct(own))
    print("key point vs other-topic sentences:     ", pct(other))
    for k, v in scores.items():
        print(f"score {k:14}", pct(v))
    for label, same in (("same stage", True), ("other stage", False)):
        flagged, worst, n = 0, 0.0, 0
        for ref in refs:
            stage = bank.by_id(ref.question_id).stage
            pool = [o for o in refs if o.topic != ref.topic and (bank.by_id(o.question_id).stage == stage) == same]
            if not pool:
                continue
            a = scorer.score(rng.choice(pool).reference_answer, ref)
            n += 1
            flagged += "off_topic" in a.flags
            worst = max(worst, a.score)
        print(f"answer to another question ({label}): flagged off_topic {flagged}/{n}, max score {worst}")
    ordered = sum(s > p > w for s, p, w in zip(scores["strong"], scores["partial"], scores["weak"]))
    print(f"strong > partial > weak: {ordered}/{len(refs)}")


if __name__ == "__main__":
    main()
