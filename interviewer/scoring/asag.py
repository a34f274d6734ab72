"""Short-answer grading evaluation: score human-graded answers and measure agreement with the humans.

Input is JSON Lines, one graded answer per line, as in ``shared/evals/asag`` (Mohler et al.
2011; SemEval-2013 Task 7): ``question``, ``reference_answer`` (or ``reference_answers``, a
list of acceptable answers), ``answer``, and a numeric ``score`` (0-5) and/or ``label_2way``
(correct / incorrect) and ``label_3way`` (correct / contradictory / incorrect).

Each row becomes a :class:`~interviewer.models.Reference` whose key points are the
reference's sentences (:func:`~interviewer.scoring.offline.derive_key_points`, equal weights); with
several reference answers the best-scoring one counts. The file's questions play the part of
the bank: each is its own topic of a :class:`~interviewer.scoring.offline.ReferenceIndex`, so an
answer to another question of the file is told apart as it would be in an interview. Agreement is reported as Pearson r,
Spearman rho, RMSE, quadratic weighted kappa on integer score bands, and for labelled data
accuracy and macro-F1.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..embeddings import SentenceEmbeddings
from ..models import Assessment, Reference, RubricPoint
from .offline import OfflineScorer, ReferenceIndex, derive_key_points

#: An answer is predicted "correct" at or above this score (0-5) unless a threshold is fitted
#: on a training file: the middle of the scale.
DEFAULT_THRESHOLD = 2.5


class GradedAnswer(BaseModel):
    """One row of an ASAG file. Unknown fields are kept (and written back with predictions)."""

    model_config = ConfigDict(extra="allow")
    question: str = Field(min_length=1)
    answer: str
    reference_answer: str | None = None
    reference_answers: list[str] | None = None
    question_id: str | None = None
    score: float | None = Field(default=None, ge=0, le=5)
    label_2way: str | None = None
    label_3way: str | None = None

    @model_validator(mode="after")
    def _has_reference_and_grade(self) -> GradedAnswer:
        if not (self.reference_answer or self.reference_answers):
            raise ValueError("needs 'reference_answer' or a non-empty 'reference_answers' list")
        if self.score is None and self.label_2way is None and self.label_3way is None:
            raise ValueError("needs a human grade: 'score' (0-5), 'label_2way' or 'label_3way'")
        return self

    @property
    def references(self) -> list[str]:
        refs = [r for r in (self.reference_answers or []) if r and r.strip()]
        return refs or [self.reference_answer or ""]

    @property
    def group(self) -> str:
        """The question this answer belongs to (its id, else its text)."""
        return self.question_id or self.question


@dataclass
class ReadResult:
    """Rows that parsed, and ``(line number, reason)`` for each that did not."""

    rows: list[tuple[int, GradedAnswer]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def read_rows(path: Path) -> ReadResult:
    """Parse a JSONL file; malformed lines are reported with their 1-based line number, not dropped silently.

    Raises:
        OSError: the file cannot be read.
    """
    out = ReadResult()
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                out.skipped.append((n, f"not valid JSON ({exc.msg})"))
                continue
            if not isinstance(data, dict):
                out.skipped.append((n, "not a JSON object"))
                continue
            try:
                out.rows.append((n, GradedAnswer.model_validate(data)))
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"]) or "row"
                out.skipped.append((n, f"{where}: {err['msg']}"))
    return out


class ReferenceBuilder:
    """Turns ASAG rows into References with embeddings, caching per (question, reference)."""

    def __init__(self, embedder: SentenceEmbeddings):
        self.embedder = embedder
        self._cache: dict[tuple[str, str], Reference] = {}

    def __call__(self, question: str, reference: str, group: str) -> Reference:
        key = (question, reference)
        if key not in self._cache:
            points = derive_key_points(reference)
            vecs = self.embedder.encode([reference, question, *points])
            w = round(1.0 / len(points), 6)
            self._cache[key] = Reference(
                question_id=group,
                question_text=question,
                topic=group,
                reference_answer=reference,
                key_points=[RubricPoint(index=i, text=p, weight=w, follow_up=p, embedding=v.tolist())
                            for i, (p, v) in enumerate(zip(points, vecs[2:]))],
                reference_embedding=vecs[0].tolist(),
                question_embedding=vecs[1].tolist(),
            )
        return self._cache[key]

    def index(self) -> ReferenceIndex | None:
        """The reference answers built so far, each question (its group) its own topic: the
        file's stand-in for the bank's index, for the contrast gate (``per_question``: it
        flags nothing off-topic). None before any reference is built."""
        refs = [r for r in self._cache.values() if r.reference_embedding]
        if not refs:
            return None
        return ReferenceIndex([r.question_id for r in refs], [r.topic for r in refs],
                              np.array([r.reference_embedding for r in refs], np.float32), per_question=True)


def score_row(scorer: OfflineScorer, build: ReferenceBuilder, row: GradedAnswer) -> Assessment:
    """The scorer's assessment of one row: the best over its reference answers."""
    best: Assessment | None = None
    for ref in row.references:
        a = scorer.score(row.answer, build(row.question, ref, row.group))
        if best is None or a.score > best.score:
            best = a
    assert best is not None  # a row always has at least one reference
    return best


# --------------------------------------------------------------------------- metrics


def pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson r, or None when either side is constant (undefined)."""
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman rho (Pearson r of average ranks), or None when undefined."""
    from scipy.stats import rankdata

    return pearson(rankdata(x), rankdata(y))


def rmse(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(x) - np.asarray(y)) ** 2)))


def qwk(pred: np.ndarray, gold: np.ndarray) -> float | None:
    """Quadratic weighted kappa (Cohen 1968) on integer bands 0-5 (scores rounded half up)."""
    from sklearn.metrics import cohen_kappa_score

    bands = lambda s: np.clip(np.floor(np.asarray(s) + 0.5), 0, 5).astype(int)  # noqa: E731
    p, g = bands(pred), bands(gold)
    if len(set(p) | set(g)) < 2:
        return None
    k = cohen_kappa_score(g, p, weights="quadratic", labels=list(range(6)))
    return None if math.isnan(k) else float(k)


def regression_metrics(pred: np.ndarray, gold: np.ndarray) -> dict[str, float | None]:
    return {"pearson": pearson(pred, gold), "spearman": spearman(pred, gold), "rmse": rmse(pred, gold), "qwk": qwk(pred, gold)}


def label_metrics(pred: list[str], gold: list[str]) -> dict[str, float]:
    """Accuracy and macro-F1 (the mean of per-class F1 over the classes in ``gold``)."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    return {"accuracy": float(accuracy_score(gold, pred)),
            "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0))}


def best_threshold(scores: np.ndarray, gold_correct: np.ndarray) -> float:
    """The score threshold (0-5, steps of 0.1) that maximises 2-way macro-F1 on training data."""
    from sklearn.metrics import f1_score

    grid = np.round(np.arange(0.1, 5.0, 0.1), 1)
    f1 = [f1_score(gold_correct, scores >= t, average="macro", zero_division=0) for t in grid]
    return float(grid[int(np.argmax(f1))])


@dataclass
class Evaluation:
    """Predictions for a file and the agreement numbers."""

    path: Path
    predictions: list[tuple[int, GradedAnswer, Assessment]]
    skipped: list[tuple[int, str]]
    threshold: float = DEFAULT_THRESHOLD
    threshold_source: str = "default"

    def summary(self) -> dict[str, Any]:
        """One dict: n, skipped, pearson, spearman, rmse, qwk (score data), accuracy and
        macro-F1 for 2-way and 3-way labels (labelled data), and ``per_question``."""
        rows = [(r, a) for _, r, a in self.predictions]
        out: dict[str, Any] = {"file": self.path.name, "n": len(rows), "skipped": len(self.skipped)}
        scored = [(r.score, a.score) for r, a in rows if r.score is not None]
        if scored:
            gold, pred = (np.array(v, dtype=float) for v in zip(*scored))
            out.update(regression_metrics(pred, gold))
        for kind in ("label_2way", "label_3way"):
            pairs = [(getattr(r, kind), a.score) for r, a in rows if getattr(r, kind)]
            if pairs:
                gold = [g for g, _ in pairs]
                pred = ["correct" if s >= self.threshold else "incorrect" for _, s in pairs]
                m = label_metrics(pred, gold)
                out[f"{kind}_accuracy"], out[f"{kind}_macro_f1"] = m["accuracy"], m["macro_f1"]
        if any(k.startswith("label_") for k in out):
            out["threshold"], out["threshold_source"] = self.threshold, self.threshold_source
        out["mean_predicted"] = float(np.mean([a.score for _, a in rows])) if rows else None
        out["flags"] = flag_precision([(r, a.flags) for r, a in rows])
        per: dict[str, list[tuple[GradedAnswer, Assessment]]] = defaultdict(list)
        for r, a in rows:
            per[r.group].append((r, a))
        out["per_question"] = {}
        for g, items in per.items():
            entry: dict[str, Any] = {"n": len(items)}
            s = [(r.score, a.score) for r, a in items if r.score is not None]
            if len(s) >= 2:
                gold, pred = (np.array(v, dtype=float) for v in zip(*s))
                entry.update(regression_metrics(pred, gold))
            labelled = [(r.label_2way, a.score) for r, a in items if r.label_2way]
            if labelled:
                entry["label_2way_accuracy"] = float(np.mean([(s >= self.threshold) == (g == "correct") for g, s in labelled]))
            out["per_question"][g] = entry
        return out


#: A flagged answer is right to be flagged when the humans graded it at most this (0-5 score
#: data) or labelled it incorrect (2-way labels): the issue's "graded 2 or lower".
FLAG_RIGHT_MAX_SCORE = 2.0


def human_low(row: GradedAnswer) -> bool | None:
    """Whether the humans graded ``row`` low (score <= 2, or label_2way incorrect); None if ungraded."""
    if row.score is not None:
        return row.score <= FLAG_RIGHT_MAX_SCORE
    if row.label_2way:
        return row.label_2way != "correct"
    if row.label_3way:
        return row.label_3way != "correct"
    return None


def flag_precision(rows: list[tuple[GradedAnswer, Collection[str]]]) -> dict[str, dict[str, float | int | None]]:
    """Per flag, over ``(row, its flags)`` pairs: how many graded answers carry it (``n``) and
    the share of those the humans graded low (``precision``, 0-1; None when nothing is
    flagged). A flag the candidate sees must be right: the target is 0.95 or more for
    gibberish, off_topic and question_copy."""
    out: dict[str, dict[str, float | int | None]] = {}
    for flag in ("empty", "dont_know", "gibberish", "not_english", "question_copy", "off_topic", "keyword_list",
                 "instruction_to_grader", "too_long"):
        judged = [human_low(r) for r, flags in rows if flag in flags]
        judged = [j for j in judged if j is not None]
        out[flag] = {"n": len(judged), "precision": (sum(judged) / len(judged)) if judged else None}
    return out


def evaluate(
    path: Path,
    scorer: OfflineScorer,
    *,
    progress: Callable[[Iterator], Iterator] | None = None,
    threshold: float | None = None,
    threshold_source: str = "given",
) -> Evaluation:
    """Score every row of ``path``; malformed rows are skipped and listed with line numbers.

    Every reference answer of the file is built first; unless ``scorer`` already has an index,
    it scores with the file's questions as its index (:meth:`ReferenceBuilder.index`).

    Raises:
        OSError: the file cannot be read.
    """
    read = read_rows(path)
    build = ReferenceBuilder(scorer.embedder)
    for _, r in read.rows:
        for ref in r.references:
            build(r.question, ref, r.group)
    if scorer.index is None:
        scorer = scorer.with_index(build.index())
    rows: Iterator = iter(read.rows)
    if progress:
        rows = progress(rows)
    preds = [(n, r, score_row(scorer, build, r)) for n, r in rows]
    ev = Evaluation(path, preds, read.skipped)
    if threshold is not None:
        ev.threshold, ev.threshold_source = threshold, threshold_source
    return ev


def prediction_record(row: GradedAnswer, a: Assessment) -> dict[str, Any]:
    """The input row with the scorer's ``predicted_score`` (0-5) and ``flags`` added."""
    return {**row.model_dump(exclude_none=True), "predicted_score": a.score, "flags": list(a.flags)}
