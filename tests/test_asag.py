"""`interviewer eval asag`: agreement with human graders, measured as a user would run it."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from interviewer.scoring.asag import label_metrics, qwk, read_rows, regression_metrics

from .conftest import REPO, SHARED, VENV_BIN

ASAG = SHARED / "evals" / "asag"
EXE = str(VENV_BIN / "interviewer")


def test_metrics_match_their_definitions():
    gold = np.array([0, 1, 2, 3, 4, 5], dtype=float)
    m = regression_metrics(gold.copy(), gold)
    assert m["pearson"] == pytest.approx(1) and m["spearman"] == pytest.approx(1) and m["rmse"] == 0 and m["qwk"] == 1
    shifted = regression_metrics(gold + 1, gold)
    assert shifted["rmse"] == pytest.approx(1) and shifted["pearson"] == pytest.approx(1) and shifted["qwk"] < 1
    assert regression_metrics(np.full(6, 3.0), gold)["pearson"] is None  # undefined, not 0
    assert qwk(np.array([5, 0, 5, 0]), np.array([0, 5, 0, 5])) < 0
    m = label_metrics(["correct", "incorrect", "correct", "correct"], ["correct", "incorrect", "incorrect", "correct"])
    assert m["accuracy"] == 0.75 and m["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)


def _rows(tmp_path):
    good = {"question": "What is a stack?", "reference_answer": "A last-in first-out data structure.",
            "answer": "A LIFO structure where the last element pushed is the first popped.", "score": 5}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "score": 9}),
        json.dumps({"question": "What is a queue?", "answer": "FIFO", "score": 4}),
        json.dumps({**good, "answer": "I don't know", "score": 0}),
        json.dumps({**good, "answer": "It stores things.", "score": 2}),
        "",
    ]
    f = tmp_path / "graded.jsonl"
    f.write_text("\n".join(lines), encoding="utf-8")
    return f


def test_malformed_rows_are_reported_with_line_numbers(tmp_path):
    read = read_rows(_rows(tmp_path))
    assert [n for n, _ in read.rows] == [1, 5, 6]
    reasons = dict(read.skipped)
    assert set(reasons) == {2, 3, 4}
    assert "JSON" in reasons[2] and "score" in reasons[3] and "reference_answer" in reasons[4]


def test_eval_command_prints_json_and_writes_predictions(tmp_path):
    f = _rows(tmp_path)
    out = tmp_path / "pred.jsonl"
    proc = subprocess.run([EXE, "eval", "asag", str(f), "--json", "--quiet", "--predictions", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"n", "pearson", "spearman", "rmse"} <= set(summary) and summary["n"] == 3 and summary["skipped"] == 3
    # flag precision: the one "I don't know" is flagged, and the humans graded it 0
    assert summary["flags"]["dont_know"] == {"n": 1, "precision": 1.0}
    assert summary["flags"]["gibberish"] == {"n": 0, "precision": None}
    assert "graded.jsonl:2: skipped" in proc.stderr and "graded.jsonl:4: skipped" in proc.stderr
    preds = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(preds) == 3 and all(0 <= p["predicted_score"] <= 5 for p in preds)
    by_answer = {p["answer"]: p for p in preds}
    assert "dont_know" in by_answer["I don't know"]["flags"]
    assert by_answer["I don't know"]["predicted_score"] < by_answer[json.loads(f.read_text().splitlines()[0])["answer"]]["predicted_score"]


@pytest.mark.slow
def test_scores_track_human_grades_on_a_slice_of_mohler():
    path = ASAG / "mohler_dev.jsonl"
    if not path.is_file():
        pytest.skip(f"ASAG data not found at {path}")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    slice_ = [r for r in rows if r["question_id"] in {"1.1", "2.1", "3.1", "4.1", "5.1", "6.1"}]
    f = REPO / "evals" / "out"
    f.mkdir(parents=True, exist_ok=True)
    sample = f / "mohler_slice.jsonl"
    sample.write_text("\n".join(json.dumps(r) for r in slice_), encoding="utf-8")
    proc = subprocess.run([EXE, "eval", "asag", str(sample), "--json", "--quiet"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["n"] == len(slice_)
    # The full dev file gives about 0.6 (evals/fit_scorer.py); a slice is noisier.
    assert summary["pearson"] > 0.4 and summary["rmse"] < 1.2
