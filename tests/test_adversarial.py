"""A fast slice of the adversarial suite (evals/adversarial.py) on the real knowledge base."""

from __future__ import annotations

import random

from interviewer.scoring.offline import OfflineScorer

from .conftest import load_eval


def _suite():
    return load_eval("adversarial")


def test_gaming_attempts_are_capped_and_flagged_and_good_answers_rank_first(runtime, bank):
    suite = _suite()
    ids = random.Random(1).sample([q.id for q in bank.questions], 16)
    refs = [runtime.kb.reference("builtin", qid) for qid in ids]
    scorer = OfflineScorer(runtime.embedder, index=runtime.kb.reference_index("builtin"))
    res = suite.run_suite(scorer, refs, runtime.taxonomy, long_answers=2)
    assert res.crashes == 0, res.failures
    for kind, total in res.attack_total.items():
        # An answer to another question can share real content with this one: in this slice,
        # a talk about guilds and reading groups answers "how should ML engineers be
        # organised?", whose rubric names guilds. Over the whole bank 517 of 519 such answers
        # are caught (evals/calibrate_scorer.py --limit 519), so one miss in 16 is allowed for
        # that attempt alone, and none for any other.
        allowed = 1 if kind == "other_question" else 0
        assert res.attack_pass[kind] >= total - allowed, (kind, [f for f in res.failures if kind in f])
    assert res.ordered >= 0.9 * res.questions, [f for f in res.failures if "order" in f]
