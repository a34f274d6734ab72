"""The performance table: every benchmark in one place, written into the README (``make bench``).

Each figure is given with its ratio to the *embedding floor*: the time the embedding model
alone takes for the same text (so the ratio says how much the interviewer adds, whatever
the machine). Measured here:

- first start on a fresh data directory: ``interviewer ui`` (what ``make run`` runs; it builds the
  knowledge base from the shipped vectors while Gradio loads) until it answers HTTP 200, and
  ``interviewer ingest --if-missing`` alone on another fresh directory, each against embedding the
  bank's reference answers alone;
- ingest of the built-in knowledge in process (shipped vectors, and ``--rebuild``), and of the
  seed documents;
- offline turn p50/p95, interview and drill (evals/bench_drill.py), against embedding one answer;
- scoring a 150-word and a 2,000-word answer, against embedding its sentences;
- concurrency at 1, 5 and 20 sessions at human pace (evals/bench_concurrency.py), p95;
- peak memory (resident set) of the benchmark process and of the UI server.

Install time is not measured here (it needs a fresh clone): pass ``--install-s`` with what
``time make install`` printed.

    python evals/perf_table.py [--write-readme] [--skip-concurrency] [--install-s SECONDS]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
START, END = "<!-- perf:start -->", "<!-- perf:end -->"


def _run_json(args: list[str], env: dict | None = None, timeout: int = 3600) -> dict:
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)
    lines = [x for x in out.stdout.splitlines() if x.startswith("{") or x.startswith("[")]
    if not lines:
        raise SystemExit(f"{args[0]} printed no JSON:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


def first_start(env_base: dict) -> dict:
    """Seconds from nothing to a serving UI on a fresh data directory (``ready_s``), the UI's peak
    memory, and the seconds of ``interviewer ingest --if-missing`` alone on another one."""
    ingest_home = Path(tempfile.mkdtemp(prefix="perf-ingest-home-"))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "interviewer", "ingest", "--if-missing"], env={**env_base, "INTERVIEWER_HOME": str(ingest_home)},
                   check=True, capture_output=True, timeout=900)
    ingest_s = time.perf_counter() - t0
    home = Path(tempfile.mkdtemp(prefix="perf-home-"))
    env = {**env_base, "INTERVIEWER_HOME": str(home)}
    port = 7900 + os.getpid() % 90
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "interviewer", "ui", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 600:
                    raise SystemExit("interviewer ui did not start")
                time.sleep(0.05)
        ready_s = time.perf_counter() - t0
        time.sleep(3)  # the embedding model warms up in the background
        with open(f"/proc/{proc.pid}/status") as f:
            rss = next(int(x.split()[1]) for x in f if x.startswith("VmHWM:")) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return {"ingest_s": ingest_s, "ready_s": ready_s, "ui_peak_mb": rss, "home": home}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-readme", action="store_true", help="replace the table between the perf markers in README.md")
    ap.add_argument("--skip-concurrency", action="store_true")
    ap.add_argument("--install-s", type=float, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from interviewer.bank.loading import load_bank
    from interviewer.config import KNOWLEDGE_DIR, Settings
    from interviewer.embeddings import get_embeddings
    from interviewer.index.ingest import Ingestor
    from interviewer.runtime import Runtime
    from interviewer.scoring.offline import split_sentences

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "INTERVIEWER"))}
    rows: list[tuple[str, str, str]] = []  # (what, figure, ratio to the floor)

    start = first_start(env)
    emb = get_embeddings("")
    emb.encode(["load the model"])
    bank = load_bank(KNOWLEDGE_DIR / "bank", KNOWLEDGE_DIR / "taxonomy.yaml")
    refs = [q.reference_answer for q in bank.questions]
    t = time.perf_counter()
    emb.encode(refs)
    floor_refs = time.perf_counter() - t

    if args.install_s:
        rows.append(("install on a fresh clone (`make install` and `make llama`, pip's caches warm)", f"{args.install_s:.0f} s", "-"))
    rows.append(("first start: `make run`'s `interviewer ui` on a fresh data directory, until the page answers",
                 f"{start['ready_s']:.1f} s", f"{start['ready_s'] / floor_refs:.2f} x embedding the {len(refs)} reference answers ({floor_refs:.1f} s)"))
    rows.append((f"first start: `interviewer ingest --if-missing` alone on a fresh data directory ({len(refs)} questions, shipped vectors)",
                 f"{start['ingest_s']:.1f} s", f"{start['ingest_s'] / floor_refs:.2f} x"))

    home = Path(tempfile.mkdtemp(prefix="perf-ingest-"))
    shipped = Ingestor(Settings(home=home / "a"), emb, progress=False).run()
    rebuilt = Ingestor(Settings(home=home / "a"), emb, progress=False).run(rebuild=True)
    n_texts = sum(rebuilt.records.values())
    rows.append((f"ingest, built-in knowledge ({n_texts} records), shipped vectors", f"{shipped.seconds:.1f} s",
                 f"{shipped.seconds / rebuilt.seconds:.2f} x a full embed"))
    rows.append(("ingest, built-in knowledge, `--rebuild` (embeds everything)", f"{rebuilt.seconds:.1f} s", "1.00 x"))
    if SEEDS.is_dir():
        seeds = Ingestor(Settings(home=home / "a"), emb, progress=False).run([SEEDS])
        rows.append((f"ingest, the seed documents ({seeds.records.get('passages', 0)} passages)", f"{seeds.seconds:.1f} s", "-"))

    drill = _run_json(["evals/bench_drill.py", "--turns", "60", "--json"], env={**env, "INTERVIEWER_HOME": str(start["home"])})
    print(json.dumps(drill["thirty_days"]), file=sys.stderr)
    one_answer = refs[0]
    t = time.perf_counter()
    for _ in range(10):
        emb.encode(split_sentences(one_answer), batch_size=8)
    floor_answer = (time.perf_counter() - t) / 10
    for mode in ("interview", "drill"):
        r = drill["turns"][mode]
        rows.append((f"offline turn, {mode} (p50 / p95, {r['turns']} turns)", f"{r['p50_ms']} / {r['p95_ms']} ms",
                     f"{r['p50_ms'] / 1000 / floor_answer:.1f} x embedding one reference-length answer ({floor_answer * 1000:.0f} ms)"))

    rt = Runtime(Settings(home=start["home"]))
    rt.__dict__["embedder"] = emb
    scorer = rt.engine.scorer
    ref = rt.kb.reference("builtin", bank.questions[0].id)
    pool = " ".join(refs).split()
    for words in (150, 2000):
        answer = " ".join((ref.reference_answer + " " + " ".join(pool)).split()[:words])
        scorer.score("warm up", ref)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            scorer.score(answer, ref, question=ref.question_text)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        emb.encode(split_sentences(answer), batch_size=8)
        floor = time.perf_counter() - t
        rows.append((f"scoring a {words}-word answer (median of 5)", f"{statistics.median(times) * 1000:.0f} ms",
                     f"{statistics.median(times) / floor:.1f} x embedding its sentences ({floor * 1000:.0f} ms)"))

    conc = {}
    if not args.skip_concurrency:
        for n in (1, 5, 20):
            conc[n] = _run_json(["evals/bench_concurrency.py", "--sessions", str(n), "--questions", "2", "--json"],
                                env={**env, "INTERVIEWER_HOME": str(start["home"])})
            c = conc[n]
            print(json.dumps(c), file=sys.stderr)
            rows.append((f"concurrency: {n} session(s) at human pace, turn p95 (lost {c['lost']}, cross-talk {c['cross_talk']})",
                         f"{c['p95_ms']} ms", f"{c['p95_ms'] / c['single_p50_ms']:.2f} x one session's p50"))
        burst = _run_json(["evals/bench_concurrency.py", "--sessions", "20", "--burst", "--questions", "2", "--json"],
                          env={**env, "INTERVIEWER_HOME": str(start["home"])})
        conc["burst20"] = burst
        print(json.dumps(burst), file=sys.stderr)
        rows.append((f"concurrency: a burst of 20 (all send at once), turn p95 (lost {burst['lost']}, cross-talk {burst['cross_talk']})",
                     f"{burst['p95_ms']} ms", f"{burst['p95_ms'] / burst['floor_ms']:.2f} x the floor (20 x one turn's CPU "
                     f"{burst['single_cpu_ms']} ms / {os.cpu_count()} cores = {burst['floor_ms']} ms)"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory: the UI server, model loaded", f"{start['ui_peak_mb']:.0f} MB", "-"))
    rows.append(("peak memory: this benchmark process (model, store, scorer)", f"{peak:.0f} MB", "-"))

    cores = os.cpu_count()
    table = [f"Measured by `make bench` (evals/perf_table.py) on {cores} CPU cores, {time.strftime('%Y-%m-%d')}.", "",
             "| what | figure | against the embedding floor |", "|---|---:|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table)
    if args.json:
        print(json.dumps({"rows": rows, "concurrency": conc}))
    else:
        print(text)
    if args.write_readme:
        readme = REPO / "README.md"
        body = readme.read_text(encoding="utf-8")
        if START in body and END in body:
            body = re.sub(re.escape(START) + ".*?" + re.escape(END), f"{START}\n{text}\n{END}", body, flags=re.DOTALL)
        else:
            body = body.rstrip() + f"\n\n## Performance\n\n{START}\n{text}\n{END}\n"
        readme.write_text(body, encoding="utf-8")
        print("README.md updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
