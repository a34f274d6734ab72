"""Crash safety, measured: SIGKILL a running interviewer at random points, resume, check nothing was lost.

A *worker* process (this file with ``--worker``) plays scripted interviews and drills on one
data directory, offline or with the built-in fake model (whose replies stream), and now and
then imports a question bank or ingests a document. Before it hands an answer to the engine it
appends the answer to a journal (flushed and fsynced): that answer counts as *given*. The
parent starts a worker, kills it with SIGKILL after a random delay (so kills land while an
answer is saved, graded, streamed, its reviews written, or while Chroma is written), and
starts the next worker, which first resumes every unfinished session. After every kill it checks:

- every answer given before the kill is stored in its session (``lost`` counts those missing);
- the SQLite store opens and passes ``PRAGMA integrity_check``, Chroma opens and lists its
  collections (``unreadable`` counts failures);
- the review schedule equals a replay of the review log (``schedule_mismatch``);
- an imported bank is whole or absent (``partial_imports``).

    python evals/crash.py --kills 50 [--seed 1] [--json]

The test suite runs a slice of 3 kills (tests/test_crash.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_BANK = REPO / "evals" / "import_samples" / "ml_interview_questions.md"


# --------------------------------------------------------------------------- worker


def worker(home: Path, journal: Path, seed: int, model: str | None) -> None:
    """Resume what is unfinished, then play sessions until killed."""
    os.environ["INTERVIEWER_HOME"] = str(home)
    from interviewer.config import Settings
    from interviewer.models import SessionConfig
    from interviewer.runtime import Runtime

    rt = Runtime(Settings.from_env(), model=model)
    rt.check_model()
    engine = rt.engine
    rng = random.Random(seed)
    log = open(journal, "a", encoding="utf-8")

    phase_file = journal.with_name("phase")

    def phase(what: str) -> None:
        phase_file.write_text(what)

    def given(sid: str, index: int, text: str) -> None:
        log.write(json.dumps({"sid": sid, "index": index, "answer": text}) + "\n")
        log.flush()
        os.fsync(log.fileno())

    def answer_text(turn) -> str:
        ref = rt.kb.reference(turn.bank, turn.question_id) if not turn.practice_only else None
        kind = rng.random()
        marker = f"[{rng.getrandbits(32):08x}]"
        if ref is None or kind < 0.3:
            return f"{marker} I am not sure about this one."
        if kind < 0.7:
            return f"{marker} " + rng.choice(ref.key_points).text
        return f"{marker} " + ref.reference_answer

    def play(sid: str, pending) -> None:
        kind = engine.store.session(sid).config.mode
        while pending is not None:
            text = answer_text(pending)
            phase(f"{kind} answer")
            given(sid, pending.index, text)  # nothing between this and the engine's first write
            for _ in engine.answer_stream(sid, text):  # consume the stream: kills land mid-stream too
                pass
            phase("between answers")
            turns = rt.store.turns(sid)
            pending = turns[-1] if turns and turns[-1].answer is None else None

    rt.embedder.encode(["warm up"])  # the model is loaded and the store open: kills land in real work
    rt.kb.banks()
    print("ready", flush=True)
    phase("resume")
    for info in rt.store.sessions("active", limit=1000):
        started = engine.resume(info.id)
        play(info.id, started.pending)
    while True:
        r = rng.random()
        if r < 0.08:
            phase("import")
            from datetime import datetime, timezone

            from interviewer.bank.importing import Inferrer, import_bank, neighbours_from
            from interviewer.index.ingest import Ingestor

            kb = rt.kb
            import_bank(SAMPLE_BANK, f"crash{rng.randrange(3)}", inferrer=Inferrer(rt.embedder, rt.taxonomy, neighbours_from(kb)),
                        store=Ingestor(rt.settings, rt.embedder, progress=False).add_bank, existing=kb.banks(),
                        now=datetime.now(timezone.utc))
            rt.__dict__.pop("kb", None)
            rt.__dict__.pop("engine", None)
            engine = rt.engine
            continue
        if r < 0.12:
            phase("ingest")
            doc = home / f"note-{rng.randrange(3)}.md"
            doc.write_text(f"# Note {rng.random()}\n\nLearning-rate warm-up avoids early divergence. {rng.random()}\n")
            rt.ingest([doc], progress=False)
            engine = rt.engine
            continue
        phase("start session")
        mode = "drill" if r < 0.5 else "interview"
        config = SessionConfig(level=rng.choice(["junior", "mid", "senior"]), stages=["ml_fundamentals", "deep_learning"],
                               questions=rng.randint(2, 4), max_follow_ups=1, seed=rng.randrange(10_000), mode=mode)
        started = engine.start(config)
        play(started.session_id, started.pending)


# --------------------------------------------------------------------------- checks


def check(home: Path, journal: Path) -> dict[str, int]:
    """What a kill cost: given answers missing, unreadable stores, schedules that do not replay."""
    from interviewer.interview.review import replay
    from interviewer.interview.store import SessionStore

    out = {"lost": 0, "unreadable": 0, "schedule_mismatch": 0, "partial_imports": 0, "given": 0}
    db = home / "interviewer.db"
    try:
        with sqlite3.connect(db) as con:
            if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                out["unreadable"] += 1
        store = SessionStore(db)
    except Exception:
        out["unreadable"] += 1
        return out
    stored: dict[str, set[str]] = {}
    for line in journal.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        out["given"] += 1
        if rec["sid"] not in stored:
            stored[rec["sid"]] = {t.answer for t in store.turns(rec["sid"]) if t.answer is not None}
        out["lost"] += rec["answer"] not in stored[rec["sid"]]
    items = {i.key: i for i in store.review_items()}
    if items:
        rebuilt = replay(store.review_log(), items)
        out["schedule_mismatch"] += sum(rebuilt[k].card != i.card for k, i in items.items() if k in rebuilt) + len(
            set(items) ^ set(rebuilt))
    store.close()
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=str(home / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
        cols = {c.name if hasattr(c, "name") else str(c): c for c in client.list_collections()}
        questions = client.get_collection("questions")
        got = questions.get(include=["metadatas"])
        banks: dict[str, int] = {}
        for m in got["metadatas"]:
            banks[m["bank"]] = banks.get(m["bank"], 0) + 1
        sizes = {b: n for b, n in banks.items() if b.startswith("crash")}
        if sizes and len(set(sizes.values())) > 1:  # every copy of the sample bank has the same size
            out["partial_imports"] += 1
        del cols
    except Exception:
        out["unreadable"] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--home", type=Path, default=None, help="data directory (default: a new temporary one)")
    ap.add_argument("--max-delay", type=float, default=4.0, help="seconds after 'ready' within which the kill lands")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--journal", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--model", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.home, args.journal, args.seed, args.model)
        return 0

    home = args.home or Path(tempfile.mkdtemp(prefix="crash-"))
    journal = home / "journal.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "INTERVIEWER"))}
    env["INTERVIEWER_HOME"] = str(home)
    subprocess.run([sys.executable, "-m", "interviewer", "ingest"], env=env, check=True, capture_output=True)
    journal.touch()
    rng = random.Random(args.seed)
    totals = {"kills": 0, "lost": 0, "unreadable": 0, "schedule_mismatch": 0, "partial_imports": 0, "killed_during": {}}
    started = time.monotonic()
    for k in range(args.kills):
        model = "fake" if k % 2 else "offline"
        proc = subprocess.Popen([sys.executable, __file__, "--worker", "--home", str(home), "--journal", str(journal),
                                 "--seed", str(args.seed * 1000 + k), "--model", model],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = proc.stdout.readline()
        if line.strip() != "ready":
            print(proc.stderr.read(), file=sys.stderr)
            raise SystemExit(f"worker {k} did not start")
        time.sleep(rng.uniform(0.0, args.max_delay))
        alive = proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)
        where = (home / "phase").read_text() if (home / "phase").exists() else "start"
        totals["killed_during"][where] = totals["killed_during"].get(where, 0) + 1
        proc.wait(timeout=30)
        if not alive:  # it died by itself: that is a crash of its own, shown, not a kill
            print(f"worker {k} exited with {proc.returncode}: {proc.stderr.read()[-2000:]}", file=sys.stderr)
            totals["unreadable"] += 1
        got = check(home, journal)
        totals["kills"] += 1
        for key in ("lost", "unreadable", "schedule_mismatch", "partial_imports"):
            totals[key] += got[key] if key != "lost" else 0
        totals["lost"] = got["lost"]  # cumulative over the journal: the latest count is the total
        totals["given"] = got["given"]
        if not args.json:
            print(f"kill {k + 1:>3}/{args.kills}: {got['given']} answers given so far, lost {got['lost']}, "
                  f"unreadable {got['unreadable']}, schedule mismatches {got['schedule_mismatch']}", flush=True)
    # a last worker resumes everything, then the final check
    proc = subprocess.Popen([sys.executable, __file__, "--worker", "--home", str(home), "--journal", str(journal),
                             "--seed", "7", "--model", "offline"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    proc.stdout.readline()
    time.sleep(2.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    final = check(home, journal)
    totals.update({"lost": final["lost"], "given": final["given"], "seconds": round(time.monotonic() - started, 1)})
    ok = totals["lost"] == 0 and totals["unreadable"] == 0 and totals["schedule_mismatch"] == 0 and totals["partial_imports"] == 0
    print(json.dumps(totals) if args.json else f"\n{json.dumps(totals)}\n{'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
