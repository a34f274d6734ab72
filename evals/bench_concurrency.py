"""Concurrency, measured through the real UI server: N candidates at once, nothing lost, nothing crossed.

Starts ``interviewer ui`` on 127.0.0.1 (its own data directory, a copy of INTERVIEWER_HOME's
knowledge base) and drives N interviews at once with gradio_client, one client (one browser
session) per candidate. Every answer carries a marker unique to its session. By default
answers arrive as people send them (a random think time of 5-15 s before each); with
``--burst`` every session sends at the same instant, turn after turn.

Prints one JSON line: ``sessions``, ``turns``, ``lost`` (answers sent but not stored),
``cross_talk`` (a marker seen in another session's chat, assessment, report or stored turns),
``p50_ms``/``p95_ms`` (time from sending an answer to the end of the reply), ``single_p50_ms``
(the same kind of turns with one session alone, over SINGLE_RUNS interviews), ``floor_ms`` (for a burst: N x the single turn's CPU
time / cores, what perfect sharing of the CPUs gives) and ``errors``.

    python evals/bench_concurrency.py --sessions 5 [--burst] [--questions 3] [--think 5,15] [--json]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


ANSWERS = [
    "Regularization adds a penalty on the size of the weights so the model cannot fit noise; L2 shrinks all weights, "
    "L1 drives some to exactly zero.",
    "I would split the data into training, validation and test sets, tune on validation and report the test score once.",
    "Gradient descent updates the parameters against the gradient of the loss, with a learning rate that sets the step.",
    "Not sure, maybe it depends on the data.",
]


#: One-session interviews run one after another for the baseline (``single_p50_ms``, and
#: ``single_cpu_ms``, the server's CPU from the first answer to the last reply over the turns, so
#: the floor): a single one of 2 questions gives 3-5 turns. Counted from before the client
#: connects, as it was until 2026-12-04, the connection and the start (about 100 ms of server CPU
#: each) were spread over those few turns, and the figure varied from 155 to 325 ms a turn
#: between runs on one machine.
SINGLE_RUNS = 3


class Server:
    def __init__(self, home: Path, concurrency: int | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "INTERVIEWER")) or k == "INTERVIEWER_TORCH_THREADS"}
        env.update(INTERVIEWER_HOME=str(home), GRADIO_ANALYTICS_ENABLED="False")
        if concurrency:
            env["INTERVIEWER_UI_CONCURRENCY"] = str(concurrency)
        self.proc = subprocess.Popen([sys.executable, "-m", "interviewer", "ui", "--port", str(self.port)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                urllib.request.urlopen(self.url, timeout=1)
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit("interviewer ui exited")
                time.sleep(0.25)
        raise SystemExit("interviewer ui did not start")

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            parts = f.read().split(")")[-1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def _own_cpu() -> float:
    """CPU seconds of this process (the gradio clients), user and system."""
    t = os.times()
    return t.user + t.system


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client, as a browser keeps one. gradio_client hands its
    ``ssl_verify`` to httpx as ``verify``, and with True httpx builds a new context (loading the
    CA bundle) for every request: measured 2026-12-04, 69 ms of the client's 77 ms of CPU a turn,
    and 8 ms with this. The load generator shares the cores with the server it measures."""
    return ssl.create_default_context()


def run_session(url: str, k: int, questions: int, think: tuple[float, float] | None, barrier, rng: random.Random,
                out: dict, cpu=None) -> None:
    """One candidate's interview through the UI; ``out[k]`` gets its marker, answers, turn times and
    what it saw. ``cpu`` (a function giving the server's CPU seconds), for a session alone: the
    server CPU from its first answer to its last reply goes into ``out[k]["cpu_s"]``, leaving out
    the client's connection and the interview's start."""
    from gradio_client import Client

    marker = f"MARK{k:03d}X{rng.getrandbits(24):06x}"
    client = Client(url, verbose=False, ssl_verify=_tls_context())
    started = client.predict("mid", ["ml_fundamentals"], questions, ["builtin"], api_name="/start")
    chat = started[0]
    sent, times, seen = [], [], []
    cpu_start = cpu() if cpu else 0.0
    for turn in range(questions * 2 + 2):  # follow-ups included; the report ends it
        if barrier is not None:
            barrier.wait()
        elif think:
            time.sleep(rng.uniform(*think))
        text = f"{marker} {rng.choice(ANSWERS)}"
        t = time.perf_counter()
        result = client.predict(text, chat, api_name="/send")
        times.append(time.perf_counter() - t)
        sent.append(text)
        chat = result[1]
        seen.append(json.dumps(result, default=str))
        # outputs: answer box, chat, assessment, reference, report summary, chart, download
        if isinstance(result[4], str) and result[4].strip():  # the report is shown: the interview is over
            break
    out[k] = {"marker": marker, "sent": sent, "times": times, "seen": "\n".join(seen),
              "cpu_s": cpu() - cpu_start if cpu else None}
    if barrier is not None:
        barrier.abort()  # the others stop waiting for this one


def drive(url: str, n: int, questions: int, think, burst: bool, seed: int, cpu=None) -> dict:
    out: dict[int, dict] = {}
    errors: list[str] = []
    barrier = threading.Barrier(n) if burst else None

    def target(k: int) -> None:
        try:
            run_session(url, k, questions, think, barrier, random.Random(seed * 100 + k), out, cpu)
        except threading.BrokenBarrierError:
            pass
        except Exception as exc:
            errors.append(f"session {k}: {type(exc).__name__}: {exc}")
            if barrier is not None:
                barrier.abort()

    threads = [threading.Thread(target=target, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"runs": out, "errors": errors}


def audit(db: Path, runs: dict) -> tuple[int, int]:
    """(lost, cross_talk) from the stored turns and what each client saw."""
    con = sqlite3.connect(db)
    stored = [json.loads(r[0]) for r in con.execute("SELECT data FROM turns")]
    con.close()
    answers = {t.get("answer") for t in stored if t.get("answer")}
    lost = sum(1 for r in runs.values() for s in r["sent"] if s not in answers)
    cross = 0
    markers = {k: r["marker"] for k, r in runs.items()}
    for k, r in runs.items():
        cross += sum(1 for j, m in markers.items() if j != k and m in r["seen"])
    by_session: dict[str, set[str]] = {}
    for t in stored:
        found = {m for m in markers.values() if m in json.dumps(t)}
        by_session.setdefault(t["session_id"], set()).update(found)
    cross += sum(len(v) - 1 for v in by_session.values() if len(v) > 1)
    return lost, cross


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument("--questions", type=int, default=3)
    ap.add_argument("--burst", action="store_true")
    ap.add_argument("--think", default="5,15", help="seconds of think time before each answer, low,high")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=None, help="the UI's workers (INTERVIEWER_UI_CONCURRENCY)")
    ap.add_argument("--nice-clients", type=int, default=0,
                    help="lower the clients' CPU priority by this much (they share the cores with the server)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from interviewer.config import Settings

    source = Settings.from_env().chroma_dir
    if not source.exists():
        raise SystemExit(f"No knowledge base at {source}: run `interviewer ingest` first.")
    home = Path(tempfile.mkdtemp(prefix="bench-conc-"))
    shutil.copytree(source, home / "chroma")
    think = tuple(float(x) for x in args.think.split(",")) if not args.burst else None
    server = Server(home, args.concurrency)
    if args.nice_clients:
        os.nice(args.nice_clients)  # the load generator yields the shared cores to the server under test
    try:
        drive(server.url, 1, 1, None, False, args.seed + 999)  # warm-up: the model loads, caches fill
        singles = [drive(server.url, 1, args.questions, None, False, args.seed + 998 - i, cpu=server.cpu_seconds)
                   for i in range(SINGLE_RUNS)]
        runs1 = [run for r in singles for run in r["runs"].values()]
        one = [t for run in runs1 for t in run["times"]]
        single_cpu = sum(run["cpu_s"] for run in runs1) / max(len(one), 1)
        cpu_before, client_before = server.cpu_seconds(), _own_cpu()
        result = drive(server.url, args.sessions, args.questions, think, args.burst, args.seed)
        run_cpu, client_cpu = server.cpu_seconds() - cpu_before, _own_cpu() - client_before
    finally:
        server.stop()
    runs = result["runs"]
    times = [t for r in runs.values() for t in r["times"]]
    lost, cross = audit(home / "interviewer.db", runs)
    cores = os.cpu_count() or 1
    row = {
        "sessions": args.sessions, "burst": args.burst, "turns": len(times), "lost": lost, "cross_talk": cross,
        "p50_ms": round(statistics.median(times) * 1000) if times else None,
        "p95_ms": round(percentile(times, 0.95) * 1000) if times else None,
        "single_p50_ms": round(statistics.median(one) * 1000) if one else None,
        "single_cpu_ms": round(single_cpu * 1000),
        "floor_ms": round(args.sessions * single_cpu / cores * 1000) if args.burst else None,
        # where the CPU went during the run, per turn: the server, and these clients (same cores)
        "server_cpu_ms_per_turn": round(run_cpu / max(len(times), 1) * 1000),
        "client_cpu_ms_per_turn": round(client_cpu / max(len(times), 1) * 1000),
        "errors": result["errors"] + [e for r in singles for e in r["errors"]],
    }
    print(json.dumps(row))
    return 0 if not (lost or cross or row["errors"]) else 1


if __name__ == "__main__":
    sys.exit(main())
