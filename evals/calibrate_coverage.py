"""Measure where `interviewer bank coverage` should draw the line between covered and not covered.

For each kind of item it compares two distributions of cosine similarity (all-MiniLM-L6-v2):

- questions: *same question* = a hand-written rewording of a bank question against that bank
  question, and hand-written paraphrase pairs (evals/data/coverage_pairs.yaml); *different
  question* = the best *other* bank question for each rewording, and each bank question's
  nearest other bank question (leave-one-out: what the closest match reaches when the asked
  question is not in the bank);
- topics and categories: *about it* = the best bank question (text + topic name) among the
  questions of the taxonomy topics the item is about; *not about it* = the best among all
  other questions.

It prints percentiles of each, the threshold that best separates them (maximum of
true-positive rate minus false-positive rate), and how the thresholds in
interviewer/bank/coverage.py fare. Run: ``python evals/calibrate_coverage.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.bank.coverage import THRESHOLDS, bank_views, category_score, names, taxonomy_labels, topic_terms  # noqa: E402
from interviewer.bank.loading import load_bank  # noqa: E402
from interviewer.config import Settings  # noqa: E402
from interviewer.embeddings import get_embeddings  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "coverage_pairs.yaml"


def best_threshold(pos: np.ndarray, neg: np.ndarray) -> float:
    """The cut (0.01 steps) maximising TPR - FPR; the lowest such cut."""
    grid = np.round(np.arange(0.2, 1.0, 0.01), 2)
    j = [(pos >= t).mean() - (neg >= t).mean() for t in grid]
    return float(grid[int(np.argmax(j))])


def describe(name: str, pos: np.ndarray, neg: np.ndarray, current: float) -> dict:
    pct = lambda a: " ".join(f"p{p}={np.percentile(a, p):.2f}" for p in (5, 10, 25, 50, 75, 90, 95))  # noqa: E731
    best = best_threshold(pos, neg)
    print(f"\n{name}: {len(pos)} positive, {len(neg)} negative")
    print(f"  same/about it : {pct(pos)}")
    print(f"  different     : {pct(neg)}")
    for label, t in (("best separating", best), ("in use", current)):
        print(f"  {label:16} {t:.2f}: {100 * (pos >= t).mean():.0f}% of positives covered, "
              f"{100 * (neg >= t).mean():.0f}% of negatives wrongly covered")
    return {"best": best, "tpr": float((pos >= current).mean()), "fpr": float((neg >= current).mean())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    data = yaml.safe_load(args.data.read_text(encoding="utf-8"))
    settings = Settings.from_env()
    bank = load_bank(settings.bank_dir, settings.taxonomy_path)
    emb = get_embeddings(settings.embedding_model)
    texts, with_topic = bank_views(bank)
    q_vecs, t_vecs = emb.encode(texts), emb.encode(with_topic)
    topics = np.array([q.topic for q in bank.questions])

    a = emb.encode([p[0] for p in data["paraphrases"]])
    b = emb.encode([p[1] for p in data["paraphrases"]])
    ids = [q.id for q in bank.questions]
    target = [ids.index(qid) for qid, _ in data["bank_paraphrases"]]
    reworded = emb.encode([text for _, text in data["bank_paraphrases"]]) @ q_vecs.T
    own = reworded[np.arange(len(target)), target]
    top1 = float(np.mean(reworded.argmax(1) == np.array(target)))
    reworded[np.arange(len(target)), target] = -1.0
    loo = q_vecs @ q_vecs.T
    np.fill_diagonal(loo, -1.0)
    describe("questions", np.concatenate([own, (a * b).sum(1)]), np.concatenate([reworded.max(1), loo.max(1)]),
             THRESHOLDS["question"])
    print(f"  a rewording's closest bank question is the one it rewords for {100 * top1:.0f}% of rewordings")

    rows = data["topics"]
    for kind in ("topic",):
        vecs = emb.encode([r["text"] for r in rows])
        pos, neg = [], []
        words = [topic_terms(t) for t in with_topic]
        for r, v in zip(rows, vecs):
            s = t_vecs @ v
            mask = np.isin(topics, r["topics"])
            pos.append(s[mask].max())
            neg.append(s[~mask].max())
        describe(kind + "s", np.array(pos), np.array(neg), THRESHOLDS[kind])
        named = [any(names(r["text"], w) for w, t in zip(words, topics) if t in r["topics"]) for r in rows]
        wrongly = [any(names(r["text"], w) for w, t in zip(words, topics) if t not in r["topics"]) for r in rows]
        print(f"  named by a question of its topics: {100 * np.mean(named):.0f}%; of another topic: {100 * np.mean(wrongly):.0f}%")
        both = np.array(pos) >= THRESHOLDS[kind]
        print(f"  covered by similarity or naming: {100 * np.mean(both | np.array(named)):.0f}% of topics")

    labels = taxonomy_labels(bank)
    l_vecs = emb.encode([lb.text for lb in labels])
    rows = data["categories"]
    vecs = emb.encode([r["text"] for r in rows])
    pos, neg = [], []
    for r, v in zip(rows, vecs):
        right = np.array([lb.key in r["labels"] for lb in labels])
        mine = sorted({i for lb in labels if lb.key in r["labels"] for i in lb.questions})
        mask = np.zeros(len(bank.questions), bool)
        mask[mine] = True
        q_sims = t_vecs @ v
        # the category scored against only the right labels and questions, then only the others
        pos.append(category_score(v, [lb for lb, ok in zip(labels, right) if ok], l_vecs[right], np.where(mask, q_sims, -1))[0])
        neg.append(category_score(v, [lb for lb, ok in zip(labels, right) if not ok], l_vecs[~right], np.where(~mask, q_sims, -1))[0])
    describe("categories (name alone)", np.array(pos), np.array(neg), THRESHOLDS["category"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
