"""Fuzz every input target with many examples and count crashes (see tests/fuzz_targets.py).

A crash is any exception other than the project's own errors (whose messages name the fix):
a traceback a user would see. Prints examples run and crashes per target.

    python evals/fuzz.py [--examples 2000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import fuzz_targets as ft  # noqa: E402


def run(name: str, strategy, check, examples: int) -> dict:
    counts = {"target": name, "examples": 0, "crashes": 0, "first_crash": None}

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(strategy)
    def prop(value):
        counts["examples"] += 1
        try:
            check(value)
        except Exception as exc:  # counted, not raised: the run goes on to the requested number
            counts["crashes"] += 1
            counts["first_crash"] = counts["first_crash"] or f"{type(exc).__name__}: {str(exc)[:200]}"

    t = time.perf_counter()
    prop()
    counts["seconds"] = round(time.perf_counter() - t, 1)
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--targets", default="", help="comma-separated target names (default: all)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from interviewer.config import KNOWLEDGE_DIR, Settings
    from interviewer.runtime import Runtime

    rt = Runtime(Settings.from_env())
    ref = rt.kb.reference("builtin", rt.kb.candidates(bank="builtin", stage="ml_fundamentals")[0].card.id)
    scorer = rt.engine.scorer
    db = Path(tempfile.mkdtemp()) / "interviewer.db"
    from datetime import datetime, timezone

    from interviewer.interview.store import SessionStore
    from interviewer.models import SessionConfig, Turn

    store = SessionStore(db)
    for _ in range(30):
        sid = store.create_session(SessionConfig(level="mid", stages=["coding"], questions=3))
        for i in range(3):
            store.save_turn(Turn(session_id=sid, index=i, question_id="q", stage="coding", topic="t", level="mid", difficulty=2,
                                 question="What is a hash map?", answer="An answer " * 40, asked_at=datetime.now(timezone.utc)))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    targets = [
        ("answers", ft.answers, lambda t: ft.check_answer(scorer, ref, t)),
        ("bank_yaml", ft.yaml_docs, lambda t: ft.check_bank_yaml(KNOWLEDGE_DIR / "taxonomy.yaml", t)),
        ("import_markdown", ft.yaml_docs, ft.check_markdown),
        ("import_csv", ft.csv_docs, ft.check_csv),
        ("damaged_sqlite", ft.damage, lambda h: ft.check_damaged_sqlite(db, h)),
    ]
    wanted = {t for t in args.targets.split(",") if t}
    rows = [run(n, s, c, args.examples) for n, s, c in targets if not wanted or n in wanted]
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(f"{r['target']:<16} {r['examples']:>6} examples  {r['crashes']:>4} crashes  {r['seconds']:>7.1f} s"
                  + (f"   first: {r['first_crash']}" if r["first_crash"] else ""))
    return 1 if any(r["crashes"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
