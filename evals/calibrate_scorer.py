"""Calibrate the offline scorer's off-topic thresholds on the question bank.

For each question it compares on-topic answers (one or two sentences of its own reference
answer: short, partial, but about the question) with answers to a question on another topic
(that question's reference answer; another taxonomy category, as in evals/adversarial.py),
and prints:

- for the relative rule, the margin by which the nearest other-topic reference is closer to
  the answer than this question's own (OFF_TOPIC_RULES must sit above what on-topic answers
  reach and below what answers to other questions reach);
- how many of each kind each rule flags, and the scores they get.

    python evals/calibrate_scorer.py [--bank knowledge/bank]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial import build_references, index_of  # noqa: E402  (evals/adversarial.py)

from interviewer.bank import load_bank  # noqa: E402
from interviewer.config import KNOWLEDGE_DIR  # noqa: E402
from interviewer.embeddings import get_embeddings  # noqa: E402
from interviewer.scoring import OfflineScorer, split_sentences  # noqa: E402


def pct(xs, ps=(1, 5, 25, 50, 75, 95, 99)) -> str:
    return "  ".join(f"p{p}={np.percentile(xs, p):+.2f}" for p in ps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", type=Path, default=KNOWLEDGE_DIR / "bank")
    ap.add_argument("--limit", type=int, default=200, help="questions to sample (default 200)")
    ap.add_argument("--dump", type=Path, default=None, help="write every answer's signals (JSON) here")
    args = ap.parse_args()
    bank = load_bank(args.bank, KNOWLEDGE_DIR / "taxonomy.yaml")
    emb = get_embeddings("")
    refs = build_references(bank, emb)
    index = index_of(refs)
    scorer = OfflineScorer(emb, index=index)
    rng = random.Random(0)
    margins = {"on_topic_1": [], "on_topic_2": [], "other_question": []}
    rows = []
    category = {t.id: t.category for t in bank.taxonomy.topics}
    flagged = {k: 0 for k in margins}
    scores = {k: [] for k in margins}
    for ref in rng.sample(refs, min(args.limit, len(refs))):
        sents = split_sentences(ref.reference_answer)
        other = rng.choice([o for o in refs if category[o.topic] != category[ref.topic]])
        # The other question leaves the index: a real answer to it is not its reference verbatim.
        scorer.index = index.without(other.question_id)
        for kind, text in (("on_topic_1", sents[0]), ("on_topic_2", " ".join(sents[1:3]) or sents[0]),
                           ("other_question", other.reference_answer)):
            # The answer vector the scorer itself compares (a long answer's is its mean sentence vector).
            align = scorer.align(text, ref, ref.key_points, ref.question_text)
            rival = scorer.index.best_other_topic(align.answer_vector, ref.topic)
            margins[kind].append(rival[1] - align.reference_similarity)
            a = scorer.score(text, ref)
            flagged[kind] += "off_topic" in a.flags
            scores[kind].append(a.score)
            rows.append({"kind": kind, "question": ref.question_id, "margin": rival[1] - align.reference_similarity,
                         "reference_similarity": align.reference_similarity,
                         "best_point": float(align.matrix[:, 0].max()), "mean_point": float(align.matrix[:, 0].mean()),
                         "score": a.score, "flags": list(a.flags)})
    print(f"{len(scores['other_question'])} questions")
    for k in margins:
        print(f"{k:15} rival - own similarity: {pct(margins[k])}")
        print(f"{'':15} flagged off_topic {flagged[k]}/{len(scores[k])}; score {pct(scores[k])}")


    if args.dump:
        args.dump.write_text(json.dumps(rows), encoding="utf-8")


if __name__ == "__main__":
    main()
