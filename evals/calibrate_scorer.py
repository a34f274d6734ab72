"""Calibrate the offline scorer's off-topic thresholds on the question bank.

For each question it compares on-topic answers (one or two sentences of its own reference
answer: short, partial, but about the question) with answers to a question on another topic
(that question's reference answer; another taxonomy category, as in evals/adversarial.py),
and prints:

- for the relative rule, the margin by which the nearest other-topic reference is closer to
  the answer than this question's own (OFF_TOPIC_RULES must sit above what on-topic answers
  reach and below what answers to other questions reach);
- how many of each kind each rule flags, and the scores they get.

With ``--asag FILE.jsonl`` it instead measures the rule on human-graded answers: the
index holds the file's reference answers, a "topic" is an assignment (Mohler) or module
(SemEval), and it counts how many answers the graders passed (score 3.5 or more, or labelled
correct) are flagged off_topic, with and without the index.

With ``--samples`` it scores the answers of evals/import_samples (written independently of
the bank) against the bank question closest to theirs (question cosine 0.75 or more: the same
question, reworded) and lists those flagged off_topic.

    python evals/calibrate_scorer.py [--bank knowledge/bank] [--limit N] [--asag FILE.jsonl] [--samples]
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

from interviewer.bank.importing import read_items  # noqa: E402
from interviewer.bank.loading import load_bank  # noqa: E402
from interviewer.config import KNOWLEDGE_DIR  # noqa: E402
from interviewer.embeddings import get_embeddings  # noqa: E402
from interviewer.scoring.asag import ReferenceBuilder, read_rows  # noqa: E402
from interviewer.scoring.offline import OfflineScorer, ReferenceIndex, split_sentences  # noqa: E402


def pct(xs, ps=(1, 5, 25, 50, 75, 95, 99)) -> str:
    return "  ".join(f"p{p}={np.percentile(xs, p):+.2f}" for p in ps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", type=Path, default=KNOWLEDGE_DIR / "bank")
    ap.add_argument("--limit", type=int, default=200, help="questions to sample (default 200)")
    ap.add_argument("--dump", type=Path, default=None, help="write every answer's signals (JSON) here")
    ap.add_argument("--asag", type=Path, nargs="+", default=None, help="human-graded JSONL files to check instead")
    ap.add_argument("--samples", action="store_true", help="check the answers of evals/import_samples instead")
    args = ap.parse_args()
    emb = get_embeddings("")
    if args.asag:
        for path in args.asag:
            asag_false_flags(path, emb)
        return
    bank = load_bank(args.bank, KNOWLEDGE_DIR / "taxonomy.yaml")
    refs = build_references(bank, emb)
    index = index_of(refs)
    if args.samples:
        sample_false_flags(refs, OfflineScorer(emb, index=index), emb)
        return
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


SAMPLES = Path(__file__).resolve().parent / "import_samples"


def sample_false_flags(refs, scorer: OfflineScorer, emb, min_question_similarity: float = 0.75) -> None:
    """Print how many independently written sample answers are flagged off_topic on the bank
    question that asks the same thing."""
    questions = np.array([r.question_embedding for r in refs], np.float32)
    checked, flagged = 0, []
    for path in sorted(SAMPLES.glob("*.*")):
        if path.suffix not in (".md", ".csv") or path.name == "README.md":
            continue
        items, _ = read_items(path)
        for item in items:
            if not item.answer:
                continue
            sims = questions @ emb.encode([item.question])[0]
            best = int(sims.argmax())
            if sims[best] < min_question_similarity:
                continue
            checked += 1
            a = scorer.score(item.answer, refs[best])
            if "off_topic" in a.flags:
                flagged.append(f"  {item.question[:70]!r} -> {refs[best].question_id} ({sims[best]:.2f}), score {a.score}")
    print(f"{checked} sample answers on a bank question asking the same thing; flagged off_topic: {len(flagged)}")
    print("\n".join(flagged))


def asag_false_flags(path: Path, emb) -> None:
    """Print how many human-passed answers of ``path`` are flagged off_topic, with the file's
    other topics' references as the index and without any index."""
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    topic_of = {d["question"]: str(d.get("assignment") or d.get("module") or d["question"]) for d in raw}
    rows = [row for _, row in read_rows(path).rows]
    build = ReferenceBuilder(emb)
    refs = {}
    for row in rows:
        for text in row.references:
            ref = build(row.question, text, row.group)
            refs[(row.question, text)] = ref.model_copy(update={"topic": topic_of[row.question]})
    keys = list(refs)
    index = ReferenceIndex([f"{q}|{t}" for q, t in keys], [refs[k].topic for k in keys],
                           np.array([refs[k].reference_embedding for k in keys], np.float32))
    with_index, without = OfflineScorer(emb, index=index), OfflineScorer(emb)
    passed = [r for r in rows if (r.score is not None and r.score >= 3.5) or r.label_2way == "correct"]
    counts = {"index": 0, "no index": 0}
    for row in passed:
        ref = refs[(row.question, row.references[0])]
        counts["index"] += "off_topic" in with_index.score(row.answer, ref).flags
        counts["no index"] += "off_topic" in without.score(row.answer, ref).flags
    print(f"{path.name}: {len(passed)} answers passed by the graders; flagged off_topic "
          f"{counts['index']} with the index of other topics, {counts['no index']} without")


if __name__ == "__main__":
    main()
