"""Fault injection in LLM mode: what one answered turn does when the model server misbehaves.

For each fault of tests/openai_server.py (timeout, 429 with Retry-After, 500, malformed JSON,
schema-invalid JSON, a stream that drops or stalls in the middle of the wording), it answers
one question through the real ChatOpenAI client twice: with the fault injected once (the
retry should succeed) and on every request (the turn should fall back to offline). It
prints, per run: requests sent, who graded, seconds, whether the stored answer survived,
and the faults recorded with the turn.

    python evals/llm_faults.py [--timeout 2] [--structured json_schema|function_calling] [--plain]

Needs the knowledge base (`interviewer ingest`); sessions go to a temporary database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.config import Settings  # noqa: E402
from interviewer.interview.engine import Reset, Step  # noqa: E402
from interviewer.interview.store import SessionStore  # noqa: E402
from interviewer.models import SessionConfig  # noqa: E402
from interviewer.runtime import Runtime  # noqa: E402
from tests.openai_server import FAULTS, FakeOpenAIServer  # noqa: E402


def one_turn(rt: Runtime, server: FakeOpenAIServer, faults: list[str]) -> dict:
    """Start an interview, inject ``faults``, answer the first question; what happened."""
    started = rt.engine.start(SessionConfig(level="mid", stages=["ml_fundamentals"], questions=2, max_follow_ups=1, seed=3))
    ref = rt.kb.reference("builtin", started.pending.question_id)
    answer = "To begin with: " + min(ref.key_points, key=lambda p: p.weight).text
    server.faults.clear()
    server.faults.extend(faults)
    before = len(server.requests)
    t0 = time.monotonic()
    events = list(rt.engine.answer_stream(started.session_id, answer))
    seconds = time.monotonic() - t0
    step = next(e for e in events if isinstance(e, Step))
    stored = rt.store.turns(started.session_id)[0]
    u = step.answered.llm
    return {
        "requests": len(server.requests) - before,
        "graded_by": step.answered.assessment.scorer,
        "seconds": seconds,
        "answer_kept": stored.answer == answer and stored.assessment is not None,
        "resets": sum(isinstance(e, Reset) for e in events),
        "next": "follow-up" if step.next_turn and step.next_turn.is_follow_up else "next question",
        "faults": u.faults if u else [],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--timeout", type=float, default=2.0, help="INTERVIEWER_LLM_TIMEOUT for the runs (seconds)")
    ap.add_argument("--structured", default="json_schema", choices=["json_schema", "function_calling"])
    ap.add_argument("--plain", action="store_true", help="whole replies instead of streamed ones")
    args = ap.parse_args(argv)
    with FakeOpenAIServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.stall_seconds = args.timeout * 3
        os.environ.update(OPENAI_BASE_URL=server.url, INTERVIEWER_STRUCTURED_OUTPUT=args.structured,
                          INTERVIEWER_STREAM="0" if args.plain else "1", INTERVIEWER_LLM_TIMEOUT=str(args.timeout))
        rt = Runtime(Settings.from_env(), model="openai:gpt-4o-mini")
        rt.__dict__["store"] = SessionStore(Path(tmp) / "faults.db")
        rt.check_model()
        one_turn(rt, server, [])  # warm-up: loads the embedding model, so the timings below are the turn's own
        print(f"Model: {rt.model_label}; timeout {args.timeout:g} s; server stalls {server.stall_seconds:g} s\n")
        print(f"{'fault':<11}{'injected':<10}{'requests':>9}{'seconds':>9}  {'kept':<5}{'resets':>7}  graded by / recorded faults")
        ok = True
        for fault in FAULTS:
            for label, faults in (("once", [fault]), ("always", [fault] * 3)):
                r = one_turn(rt, server, faults)
                ok &= r["answer_kept"]
                print(f"{fault:<11}{label:<10}{r['requests']:>9}{r['seconds']:>9.2f}  {'yes' if r['answer_kept'] else 'NO':<5}"
                      f"{r['resets']:>7}  {r['graded_by']}")
                for f in r["faults"]:
                    print(f"{'':<47}- {f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
