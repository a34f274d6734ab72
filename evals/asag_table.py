"""One table of the offline scorer on every ASAG file: agreement with the humans and flag precision.

    python evals/asag_table.py [--out evals/out/asag] [--from DIR] [FILE.jsonl ...]

Scores every file (default: all of ../shared/evals/asag) as ``interviewer eval asag`` does,
writes each file's predictions to ``--out`` (``NAME.pred.jsonl``, the rows with
``predicted_score`` and ``flags``), and prints a Markdown table: Pearson r, RMSE and QWK for
score data; 2-way accuracy and macro-F1 for labelled data at the default threshold (2.5) and, for a
test file, at the threshold fitted on its data set's train file (as ``eval asag --train``); and
for the flags gibberish, off_topic and question_copy, how many answers carry them and the share
the humans graded 2 or lower (or labelled incorrect): the precision that must stay at 0.95 or
more. ``--from DIR`` tabulates prediction files written earlier (by this script or by
``interviewer eval asag --predictions``) instead of scoring.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from interviewer.scoring.asag import (
    DEFAULT_THRESHOLD,
    GradedAnswer,
    best_threshold,
    evaluate,
    flag_precision,
    label_metrics,
    prediction_record,
    regression_metrics,
)

ASAG = Path(__file__).resolve().parents[2] / "shared" / "evals" / "asag"
OUT = Path(__file__).resolve().parent / "out" / "asag"
FLAGS = ("gibberish", "off_topic", "question_copy")


def score_files(files: list[Path], out: Path) -> None:
    from interviewer.embeddings import get_embeddings
    from interviewer.scoring.offline import OfflineScorer

    scorer = OfflineScorer(get_embeddings(""))
    out.mkdir(parents=True, exist_ok=True)
    for f in files:
        ev = evaluate(f, scorer, progress=lambda it: tqdm(it, desc=f"Scoring {f.name}", unit="answer", file=sys.stderr))
        with (out / f"{f.stem}.pred.jsonl").open("w", encoding="utf-8") as fh:
            for _, r, a in ev.predictions:
                fh.write(json.dumps(prediction_record(r, a), ensure_ascii=False) + "\n")


def read_predictions(path: Path) -> list[tuple[GradedAnswer, float, set[str]]]:
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(GradedAnswer.model_validate({k: v for k, v in r.items() if k not in ("predicted_score", "flags")}),
             float(r["predicted_score"]), set(r.get("flags", []))) for r in recs]


def train_threshold(path: Path) -> float | None:
    """For a SemEval test file, the 2-way threshold fitted on its data set's train predictions
    beside it (as ``interviewer eval asag --train`` does), or None."""
    if "_test_" not in path.name:
        return None
    train = path.with_name(path.name.split("_test_")[0] + "_train.pred.jsonl")
    if not train.is_file():
        return None
    pairs = [(p, g.label_2way == "correct") for g, p, _ in read_predictions(train) if g.label_2way]
    return best_threshold(np.array([p for p, _ in pairs]), np.array([c for _, c in pairs])) if pairs else None


def row_of(path: Path) -> dict:
    """Metrics of one prediction file."""
    rows = read_predictions(path)
    out: dict = {"file": path.name.removesuffix(".pred.jsonl"), "n": len(rows)}
    scored = [(g.score, p) for g, p, _ in rows if g.score is not None]
    if scored:
        gold, pred = (np.array(v, dtype=float) for v in zip(*scored))
        out.update(regression_metrics(pred, gold))
    labelled = [(g.label_2way, p) for g, p, _ in rows if g.label_2way]
    if labelled and not scored:
        m = label_metrics(["correct" if p >= DEFAULT_THRESHOLD else "incorrect" for _, p in labelled], [g for g, _ in labelled])
        out["accuracy_2way"], out["macro_f1_2way"] = m["accuracy"], m["macro_f1"]
        t = train_threshold(path)
        if t is not None:
            m = label_metrics(["correct" if p >= t else "incorrect" for _, p in labelled], [g for g, _ in labelled])
            out["threshold"], out["accuracy_2way_fitted"], out["macro_f1_2way_fitted"] = t, m["accuracy"], m["macro_f1"]
    precision = flag_precision([(g, fl) for g, _, fl in rows])
    for flag in FLAGS:
        out[f"{flag}_n"], out[f"{flag}_precision"] = precision[flag]["n"], precision[flag]["precision"]
    return out


def _f(v, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def table(rows: list[dict]) -> str:
    head = ("| file | n | Pearson | RMSE | QWK | 2-way acc / F1 at 2.5 | 2-way acc / F1 at train threshold | "
            + " | ".join(f"{f} (n, precision)" for f in FLAGS) + " |")
    lines = [head, "|" + "---|" * (7 + len(FLAGS))]
    for r in rows:
        flags = " | ".join(f"{r[f'{f}_n']}, {_f(r[f'{f}_precision'], 2)}" for f in FLAGS)
        fitted = (f"{_f(r['accuracy_2way_fitted'])} / {_f(r['macro_f1_2way_fitted'])} (t={r['threshold']:.1f})"
                  if "threshold" in r else "-")
        plain = f"{_f(r['accuracy_2way'])} / {_f(r['macro_f1_2way'])}" if "accuracy_2way" in r else "-"
        lines.append(f"| {r['file']} | {r['n']} | {_f(r.get('pearson'))} | {_f(r.get('rmse'))} | {_f(r.get('qwk'))} | "
                     f"{plain} | {fitted} | {flags} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", type=Path, nargs="*", help="ASAG JSONL files (default: all of ../shared/evals/asag)")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the predictions")
    ap.add_argument("--from", dest="from_dir", type=Path, help="tabulate the *.pred.jsonl files of this folder instead")
    ap.add_argument("--json", action="store_true", help="also print the rows as JSON lines")
    args = ap.parse_args()
    if args.from_dir:
        preds = sorted(args.from_dir.glob("*.pred.jsonl"))
    else:
        files = args.files or sorted(ASAG.glob("*.jsonl"))
        score_files(files, args.out)
        preds = [args.out / f"{f.stem}.pred.jsonl" for f in files]
    rows = [row_of(p) for p in preds]
    print(table(rows))
    if args.json:
        for r in rows:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
