"""Benchmark: ingest time (bank, and the source documents) and offline turn time p50/p95.

A *turn* is one `engine.answer` call: the answer in, the assessment and the next question
(or follow-up) out, including retrieval from Chroma and the SQLite writes.

    python evals/bench_turns.py --turns 60 [--seeds ../shared/seeds] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from interviewer.config import Settings
from interviewer.embeddings import get_embeddings
from interviewer.index.ingest import Ingestor
from interviewer.models import STAGES, SessionConfig
from interviewer.runtime import Runtime
from interviewer.scoring.offline import split_sentences


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=60, help="turns to time (at least 50 for the closing note)")
    ap.add_argument("--seeds", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "seeds",
                    help="source documents to time the ingest of (skipped if absent)")
    ap.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-"))
    embedder = get_embeddings("")
    t = time.perf_counter()
    embedder.encode(["load"])
    model_load = time.perf_counter() - t

    settings = Settings(home=home / "bank")
    bank_ingest = Ingestor(settings, embedder, progress=False).run()
    rerun = Ingestor(settings, embedder, progress=False).run()
    seeds_s = None
    if args.seeds.is_dir():
        # Only the documents are embedded: the bank in this store is already up to date.
        seed_settings = Settings(home=home / "seeds")
        Ingestor(seed_settings, embedder, progress=False).run()
        seeds_s = Ingestor(seed_settings, embedder, progress=False).run([args.seeds]).seconds

    rt = Runtime(settings)
    rt.__dict__["embedder"] = embedder
    engine = rt.engine
    rng = random.Random(0)
    times: list[float] = []
    while len(times) < args.turns:
        level = rng.choice(["junior", "mid", "senior", "staff"])
        stages = rng.sample(list(STAGES), 2)
        started = engine.start(SessionConfig(level=level, stages=stages, questions=4, seed=rng.randrange(10**6)))
        pending = started.pending
        while pending is not None and len(times) < args.turns:
            ref = engine.kb.reference("builtin", pending.question_id)
            sents = split_sentences(ref.reference_answer)
            kind = rng.choice(["strong", "partial", "weak", "idk"])
            answer = {"strong": ref.reference_answer, "partial": " ".join(sents[:2]),
                      "weak": "It depends on the data; I would try a few models.", "idk": "I don't know."}[kind]
            t = time.perf_counter()
            step = engine.answer(started.session_id, answer)
            times.append(time.perf_counter() - t)
            pending = step.next_turn

    out = {
        "model_load_s": round(model_load, 2),
        "bank_ingest_s": round(bank_ingest.seconds, 2),
        "bank_records": dict(bank_ingest.records),
        "bank_reingest_unchanged_s": round(rerun.seconds, 2),
        "seeds_ingest_s": round(seeds_s, 2) if seeds_s is not None else None,
        "turns": len(times),
        "turn_p50_ms": round(1000 * statistics.median(times), 1),
        "turn_p95_ms": round(1000 * percentile(times, 0.95), 1),
        "turn_max_ms": round(1000 * max(times), 1),
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:28} {v}")


if __name__ == "__main__":
    main()
