"""Benchmark: a drill turn against an interview turn (p50/p95), and one item's intervals over 30 days.

Part 1 times turns (one ``engine.answer`` call each: grading, the review update, the next
question chosen and stored) on the same knowledge base and a session database on disk that
grows as a candidate's would: interviews of 4 questions alternate with drills of 4, with
answers of mixed quality. A drill turn does more than an interview turn (it reads the review
items and the answered turns to choose what comes next), so the two are reported side by side.

Part 2 follows one question over a simulated 30 days on a moving clock: missed on day 1, then
answered with its reference answer each time a drill asks it. It prints the days it was asked
and the intervals FSRS gave.

    python evals/bench_drill.py [--turns 60] [--json]

Needs a knowledge base (``interviewer ingest``); it reads INTERVIEWER_HOME's store and writes
its sessions to a temporary database.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from interviewer.config import Settings
from interviewer.interview.engine import InterviewEngine
from interviewer.interview.store import SessionStore
from interviewer.interview.voice import OfflineVoice
from interviewer.models import SessionConfig
from interviewer.runtime import Runtime


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def answer_for(engine: InterviewEngine, turn, rng: random.Random) -> str:
    ref = engine.kb.reference(turn.bank, turn.question_id)
    kind = rng.choice(["reference", "one point", "vague"])
    if kind == "reference":
        return ref.reference_answer
    if kind == "one point":
        return "I think " + rng.choice(ref.key_points).text.lower()
    return "It depends on the data and the model, I would try a few things and see."


def time_turns(engine: InterviewEngine, clock: Clock, turns: int, seed: int) -> dict[str, list[float]]:
    rng = random.Random(seed)
    times: dict[str, list[float]] = {"interview": [], "drill": []}
    k = 0
    while min(len(v) for v in times.values()) < turns:
        mode = "interview" if k % 2 == 0 else "drill"
        stages = ["ml_fundamentals", "deep_learning"]
        started = engine.start(SessionConfig(level="mid", stages=stages, questions=4, max_follow_ups=1, seed=seed + k, mode=mode))
        pending = started.pending
        while pending is not None:
            text = answer_for(engine, pending, rng)
            t = time.perf_counter()
            step = engine.answer(started.session_id, text)
            times[mode].append(time.perf_counter() - t)
            pending = step.next_turn
        clock.now += timedelta(hours=rng.choice([3, 20, 26]))
        k += 1
    return times


def thirty_days(rt: Runtime) -> dict:
    clock = Clock(datetime(2026, 12, 2, 9, tzinfo=timezone.utc))
    engine = InterviewEngine(rt.kb, rt.engine.scorer, OfflineVoice(), SessionStore(":memory:", clock=clock), rt.taxonomy.topic_name)
    started = engine.start(SessionConfig(level="mid", stages=["ml_fundamentals"], questions=1, max_follow_ups=0, seed=4))
    first = started.pending
    engine.answer(started.session_id, "I'm not sure.")
    target = (first.bank, first.question_id)
    ref = rt.kb.reference(*target)
    asked, ratings = [], []
    for day in range(0, 31):
        clock.now = datetime(2026, 12, 2, 11, tzinfo=timezone.utc) + timedelta(days=day)
        items = [i for i in engine.store.review_items() if (i.bank, i.question_id) == target]
        if not any(i.due <= clock.now for i in items):
            continue
        d = engine.start(SessionConfig(level="mid", stages=["ml_fundamentals"], questions=1, max_follow_ups=0, mode="drill", seed=day))
        assert (d.pending.bank, d.pending.question_id) == target, "the only due item is asked first"
        step = engine.answer(d.session_id, ref.reference_answer)
        asked.append({"day": day + 1, "reason": d.pending.drill_reason, "score": step.answered.assessment.score})
        ratings.append([i.last_rating for i in engine.store.review_items() if (i.bank, i.question_id) == target])
    items = [i for i in engine.store.review_items() if (i.bank, i.question_id) == target]
    days = [a["day"] for a in asked]
    return {"question": first.question, "asked_on_days": days, "intervals_days": [b - a for a, b in zip(days, days[1:])],
            "next_due": min(i.due for i in items).isoformat(), "asked": asked}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=60, help="turns of each kind to time")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    rt = Runtime(Settings.from_env())
    rt.embedder.encode(["warm up"])
    clock = Clock(datetime(2026, 12, 2, 9, tzinfo=timezone.utc))
    db = Path(tempfile.mkdtemp(prefix="bench-drill-")) / "interviewer.db"
    engine = InterviewEngine(rt.kb, rt.engine.scorer, OfflineVoice(), SessionStore(db, clock=clock), rt.taxonomy.topic_name)
    times = time_turns(engine, clock, args.turns, args.seed)
    rows = {m: {"turns": len(v), "p50_ms": round(statistics.median(v) * 1000), "p95_ms": round(percentile(v, 0.95) * 1000)}
            for m, v in times.items()}
    items = len(engine.store.review_items())
    schedule = thirty_days(rt)
    if args.json:
        print(json.dumps({"turns": rows, "review_items": items, "thirty_days": schedule}))
        return
    print(f"turn times on 2 cores ({items} review items in the store at the end):")
    for m, r in rows.items():
        print(f"  {m:<10} {r['turns']:>4} turns  p50 {r['p50_ms']:>5} ms  p95 {r['p95_ms']:>5} ms")
    print(f"\none question over 30 days: {schedule['question']}")
    for a in schedule["asked"]:
        print(f"  day {a['day']:>2}: asked ({a['reason']}); scored {a['score']:.1f}")
    print(f"  intervals (days): {schedule['intervals_days']}; next due {schedule['next_due']}")


if __name__ == "__main__":
    main()
