"""Import real interview collections and compare with the counts a person sees in them.

    python evals/import_corpus.py [DIR ...] [--json]

Each DIR (default: ../shared/evals/import_corpus) holds Markdown collections and a README.md
whose table gives, per file, the questions a reader sees and how many have an answer (columns
whose headers start with "questions" and "with an answer"; the first number in a cell is
taken). Each file is read and built as ``interviewer bank import`` does (duplicates merged,
rubrics derived, topic and stage inferred from the built-in bank), nothing written, and the
script prints per file: questions expected and imported, with an answer (expected and
imported), practice-only, skipped by reason, and the time to read and build it.

Targets (issue 10): per file, at least 95% of the questions that have an answer imported with
an answer (``answered_recall`` = min(with answer, expected with answer) / expected with
answer), and at most 5% extra items (``extra`` = (imported - expected) / expected, 0 when
fewer). Exit status 1 when a file misses one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from interviewer.bank.importing import build_bank, read_items  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "evals" / "import_corpus"
MIN_ANSWERED_RECALL, MAX_EXTRA = 0.95, 0.05


def expected_counts(readme: Path) -> dict[str, tuple[int, int]]:
    """``{file name: (questions a reader sees, with an answer)}`` from a README's Markdown table.

    Raises:
        ValueError: no table with a "questions..." and a "with an answer" column.
    """
    rows = [line.strip() for line in readme.read_text(encoding="utf-8").splitlines() if line.strip().startswith("|")]
    if len(rows) < 3:
        raise ValueError(f"{readme}: no Markdown table of expected counts")
    header = [h.strip().lower() for h in rows[0].strip("|").split("|")]
    q_col = next((i for i, h in enumerate(header) if h.startswith("questions")), None)
    a_col = next((i for i, h in enumerate(header) if h.startswith("with an answer")), None)
    if q_col is None or a_col is None:
        raise ValueError(f"{readme}: the table needs a 'questions ...' and a 'with an answer' column")
    out = {}
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        name = cells[0].strip("` ")
        numbers = [re.search(r"\d+", cells[i]) for i in (q_col, a_col)]
        if name and all(numbers):
            out[name] = (int(numbers[0].group()), int(numbers[1].group()))
    return out


def measure(path: Path, expected: tuple[int, int], inferrer) -> dict:
    """One file's counts against what a reader sees (see the module docstring)."""
    t0 = time.perf_counter()
    items, skipped = read_items(path)
    bank, more, _, notes = build_bank(items, "corpus", path.name, inferrer, datetime.now(timezone.utc))
    seconds = time.perf_counter() - t0
    skipped += more
    questions, answered = expected
    with_answer = sum(1 for q in bank.questions if not q.practice_only)
    return {
        "file": path.name, "expected": questions, "expected_with_answer": answered,
        "imported": len(bank.questions), "with_answer": with_answer,
        "practice_only": len(bank.questions) - with_answer,
        "links_only": sum(1 for q in bank.questions if q.links),
        "topic_titles": sum(1 for n in notes if "topic title" in n),
        "skipped": dict(Counter(_reason(s.reason) for s in skipped)),
        "answered_recall": round(min(with_answer, answered) / answered, 3) if answered else 1.0,
        "extra": round(max(0, len(bank.questions) - questions) / questions, 3) if questions else 0.0,
        "seconds": round(seconds, 2),
    }


def _reason(reason: str) -> str:
    return re.sub(r"\S+:\d+", "FILE:LINE", reason.split(";")[0])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("dirs", nargs="*", type=Path, default=[DEFAULT_DIR], help="folders with collections and a README.md table")
    ap.add_argument("--json", action="store_true", help="one JSON object per file, then a summary line")
    args = ap.parse_args(argv)

    from interviewer.bank.importing import Inferrer
    from interviewer.bank.importing.infer import neighbours_from_bank
    from interviewer.bank.loading import load_bank, load_taxonomy
    from interviewer.config import Settings
    from interviewer.embeddings import get_embeddings

    settings = Settings.from_env()
    embedder = get_embeddings(settings.embedding_model)
    taxonomy = load_taxonomy(settings.taxonomy_path)
    inferrer = Inferrer(embedder, taxonomy, neighbours_from_bank(load_bank(settings.bank_dir, settings.taxonomy_path), embedder))
    results, missed = [], 0
    for folder in args.dirs:
        try:
            expected = expected_counts(folder / "README.md")
        except (OSError, ValueError) as exc:
            print(f"{folder}: {exc}", file=sys.stderr)
            return 2
        for name, counts in expected.items():
            path = folder / name
            if not path.is_file():
                print(f"{path}: listed in README.md but missing", file=sys.stderr)
                continue
            r = measure(path, counts, inferrer)
            r["met"] = r["answered_recall"] >= MIN_ANSWERED_RECALL and r["extra"] <= MAX_EXTRA
            missed += not r["met"]
            results.append(r)
            if args.json:
                print(json.dumps(r, ensure_ascii=False))
            else:
                print(f"{r['file'][:60]:60}  questions {r['imported']:>3}/{r['expected']:<3}  with answer "
                      f"{r['with_answer']:>3}/{r['expected_with_answer']:<3}  practice-only {r['practice_only']:>3}  "
                      f"recall {r['answered_recall']:.3f}  extra {r['extra']:.3f}  {r['seconds']:.2f}s"
                      + ("" if r["met"] else "  MISSED"))
                for reason, n in sorted(r["skipped"].items(), key=lambda kv: -kv[1]):
                    print(f"    skipped {n:>3}: {reason}")
    summary = {"files": len(results), "missed": missed, "targets": {"answered_recall": MIN_ANSWERED_RECALL, "extra": MAX_EXTRA}}
    print(json.dumps(summary) if args.json else f"{len(results)} file(s), {missed} missed a target")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
