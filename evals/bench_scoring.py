"""Time to grade long answers: the first answer to a question, and the answer alone.

The first answer to a question also embeds its rubric (each key point's anchor sentence and
question-demoted vector, ``OfflineScorer.prepare``); later answers reuse it. This script times
grading on a fresh scorer (nothing cached), and grading after ``prepare`` (the answer alone),
on answers of ``--words`` words (bank prose, on the question's subject first) for
``--questions`` bank questions.

    python evals/bench_scoring.py [--questions 20] [--words 2000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from adversarial import build_references, index_of  # evals/adversarial.py

from interviewer.bank.loading import load_bank
from interviewer.config import KNOWLEDGE_DIR
from interviewer.embeddings import get_embeddings
from interviewer.scoring.offline import OfflineScorer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--words", type=int, default=2000)
    args = ap.parse_args()
    bank = load_bank(KNOWLEDGE_DIR / "bank", KNOWLEDGE_DIR / "taxonomy.yaml")
    emb = get_embeddings("")
    refs = build_references(bank, emb)
    index = index_of(refs)
    chosen = refs[: args.questions]
    pool = " ".join(r.reference_answer for r in refs).split()
    answers = [" ".join((r.reference_answer + " " + " ".join(pool[i * 50 :])).split()[: args.words])
               for i, r in enumerate(chosen)]
    ms = lambda xs, p: np.percentile(xs, p) * 1000  # noqa: E731
    for prepared in (False, True):
        scorer = OfflineScorer(emb, index=index)
        scorer.score("warm up the model", refs[-1])
        score_t, prepare_t = [], []
        for ref, answer in zip(chosen, answers):
            if prepared:
                t = time.perf_counter()
                scorer.prepare(ref)
                prepare_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            scorer.score(answer, ref)
            score_t.append(time.perf_counter() - t)
        line = f"{'prepared' if prepared else 'first':9} grading p50 {ms(score_t, 50):6.1f} ms  p95 {ms(score_t, 95):6.1f} ms"
        if prepare_t:
            line += f"   (prepare: p50 {ms(prepare_t, 50):.1f} ms)"
        print(line)


if __name__ == "__main__":
    main()
