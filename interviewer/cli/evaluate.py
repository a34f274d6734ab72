"""``interviewer eval asag``: takes a JSONL file of human-graded short answers (and optionally a
labelled training file to fit the correct/incorrect threshold on) and gives the offline scorer's
agreement with the human grades (correlations, RMSE, kappa, accuracy, macro-F1, flag precision), as a
table or one JSON object, optionally writing every row back with its predicted score.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import Settings
from .root import _err, eval_app


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


@eval_app.command("asag")
def eval_asag(
    file: Annotated[Path, typer.Argument(help="JSONL of human-graded answers (question, reference_answer(s), answer, score or labels).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object on the last line.")] = False,
    predictions: Annotated[Optional[Path], typer.Option("--predictions", help="Write each row back with predicted_score and flags.")] = None,
    train: Annotated[Optional[Path], typer.Option("--train", help="Fit the correct/incorrect score threshold on this labelled file first.")] = None,
    per_question: Annotated[bool, typer.Option("--per-question", help="Also print the table per question.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Score every answer of a short-answer-grading file and report agreement with the human grades.

    Scores (0-5): Pearson r, Spearman rho, RMSE, quadratic weighted kappa on integer bands.
    Labels (correct / incorrect): accuracy and macro-F1, at a threshold of 2.5 or one fitted
    with --train on a training file. Flags: how many answers carry each, and its precision (the
    share the humans graded 2 or lower, or labelled incorrect). Malformed rows are reported with
    their line number and skipped.

    Examples:
      interviewer eval asag ../shared/evals/asag/mohler_dev.jsonl
      interviewer eval asag beetle_test_ua.jsonl --train beetle_train.jsonl --json
    """
    import numpy as np
    from tqdm import tqdm

    from ..embeddings import get_embeddings
    from ..errors import ConfigError
    from ..scoring.asag import best_threshold, evaluate, prediction_record
    from ..scoring.offline import OfflineScorer

    for p in (file, train):
        if p is not None and not p.is_file():
            raise ConfigError(f"No file {p}; give the path of a JSONL file of graded answers.")
    scorer = OfflineScorer(get_embeddings(Settings.from_env().embedding_model))
    bar = (lambda it, desc: it) if quiet else (lambda it, desc: tqdm(it, desc=desc, unit="answer", file=sys.stderr))
    threshold, source = None, "default"
    if train is not None:
        tr = evaluate(train, scorer, progress=lambda it: bar(it, f"Fitting on {train.name}"))
        pairs = [(a.score, r.label_2way == "correct") for _, r, a in tr.predictions if r.label_2way]
        if not pairs:
            raise ConfigError(f"{train} has no 'label_2way' labels to fit a threshold on.")
        threshold = best_threshold(np.array([s for s, _ in pairs]), np.array([c for _, c in pairs]))
        source = f"fitted on {train.name}"
    ev = evaluate(file, scorer, progress=lambda it: bar(it, f"Scoring {file.name}"), threshold=threshold, threshold_source=source)
    for n, why in ev.skipped:
        _err(f"{file.name}:{n}: skipped: {why}")
    if predictions is not None:
        with predictions.open("w", encoding="utf-8") as fh:
            for _, r, a in ev.predictions:
                fh.write(json.dumps(prediction_record(r, a), ensure_ascii=False) + "\n")
    summary = ev.summary()
    if not as_json:
        keys = ["n", "skipped", "pearson", "spearman", "rmse", "qwk", "label_2way_accuracy", "label_2way_macro_f1",
                "label_3way_accuracy", "label_3way_macro_f1", "threshold", "mean_predicted"]
        for k in keys:
            if k in summary:
                typer.echo(f"{k:22} {_fmt(summary[k])}")
        flagged = {f: m for f, m in summary["flags"].items() if m["n"]}
        if flagged:
            typer.echo("flag precision (share of flagged answers the humans graded 2 or lower / incorrect):")
            for f, m in flagged.items():
                typer.echo(f"  {f:20} {_fmt(m['precision'])}  of {m['n']}")
        if per_question:
            typer.echo(f"\n{'question':28} {'n':>4} {'pearson':>8} {'rmse':>6} {'qwk':>6}")
            for q, m in summary["per_question"].items():
                typer.echo(f"{q[:28]:28} {m['n']:>4} {_fmt(m.get('pearson')):>8} {_fmt(m.get('rmse')):>6} {_fmt(m.get('qwk')):>6}")
    if as_json:
        typer.echo(json.dumps(summary))
