"""The fitted model of the offline scorer: feature row of a key point -> credit (0-1).

Three parts, all fitted by ``evals/fit_scorer.py`` and shipped as the small JSON file
``scorer_model.json`` beside this module:

- *credit*: a logistic model over standardised features (:data:`interviewer.scoring.features.FEATURES`),
  ``credit = 1 / (1 + exp(-(coef . (x - mean) / scale + intercept)))``, fitted on human-graded
  answers (fractional logistic regression: each key point's target is the human score / 5;
  Papke and Wooldridge 1996, "Econometric methods for fractional response variables",
  J. Applied Econometrics);
- *evidence gate*: ``clip((e - gate_low) / (gate_high - gate_low), 0, 1)``, where ``e`` (-1..1,
  :meth:`interviewer.scoring.offline.OfflineScorer.evidence`) is the largest of the best key-point
  similarity, the answer's similarity to the question and the share of its terms that the
  reference uses. Every credit is multiplied by it, so an answer that neither states a key point nor
  speaks to the question earns nothing, whatever the length of the reference. A linear logit
  cannot do this by itself: fitted on lenient human grades (Mohler's mean is 4.18 of 5) its
  floor sat near 2 of 5, and an answer about something else entirely scored 2-3. The two
  bounds are fitted by least squares on human-graded answers and on answers taken from
  another data set (target 0).
- *contrast gate*: ``clip((contrast_high - m) / (contrast_high - contrast_low), 0, 1)``, where
  the margin ``m`` (cosine, -2..2, :meth:`interviewer.scoring.offline.OfflineScorer.margin`) is how much
  nearer the answer is to the reference answer of another question, on another topic and unlike
  this one (similarity below ``rival_max_similarity``), than its evidence for this question.
  It takes credit from an answer to another question, which the evidence gate passes when
  the two questions share words ("A function that calls itself." to "What is a stack?"). It
  needs the bank's references (an index); without one it is 1. Its low bound is fitted by
  least squares on human-graded answers and on answers to other questions of the same data
  set (target 0); its width and ``rival_max_similarity`` are fixed by the fit script.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import ConfigError
from .features import FEATURES

MODEL_PATH = Path(__file__).resolve().parent / "scorer_model.json"


class ScorerModel(BaseModel):
    """Coefficients of the key-point credit model, with how they were fitted and measured."""

    model_config = ConfigDict(extra="forbid")
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    gate_low: float = Field(default=-1.0, ge=-1.0, le=1.0, description="Evidence (cosine) at or below which credit is 0.")
    gate_high: float = Field(default=-1.0, ge=-1.0, le=1.0, description="Evidence (cosine) at or above which credit is whole.")
    contrast_low: float = Field(default=2.0, ge=-2.0, le=2.0,
                                description="Margin (cosine) at or below which the contrast gate lets all credit through.")
    contrast_high: float = Field(default=2.0, ge=-2.0, le=2.0,
                                 description="Margin (cosine) at or above which the contrast gate leaves no credit; 2 disables it.")
    rival_max_similarity: float = Field(default=1.0, ge=-1.0, le=2.0,
                                        description="A rival reference counts only when its cosine to this reference is below this.")
    fitted_on: str = Field(description="Data the model was fitted on.")
    cross_validation: dict[str, float] = Field(default_factory=dict, description="Held-out metrics from the fit script.")

    @model_validator(mode="after")
    def _shapes(self) -> ScorerModel:
        n = len(self.features)
        if not (len(self.mean) == len(self.scale) == len(self.coef) == n):
            raise ValueError("features, mean, scale and coef must have the same length")
        if self.gate_high < self.gate_low:
            raise ValueError("gate_high must be at least gate_low")
        if self.contrast_high < self.contrast_low:
            raise ValueError("contrast_high must be at least contrast_low")
        if tuple(self.features) != FEATURES:
            raise ValueError(f"features {self.features} do not match the scorer's {list(FEATURES)}; refit the model")
        return self

    def credit(self, x: np.ndarray) -> np.ndarray:
        """Credit in [0, 1] for each row of ``x`` (shape (K, F)); returns shape (K,)."""
        z = (np.asarray(x, np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = z @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-logit))

    def gate(self, evidence: float) -> float:
        """The evidence gate (0-1) for an answer whose evidence is ``evidence`` (cosine, see
        the module docstring); 1 everywhere when the bounds are equal at -1 (no gate)."""
        if self.gate_high <= self.gate_low:
            return 1.0 if evidence > self.gate_low or self.gate_low <= -1.0 else 0.0
        return float(np.clip((evidence - self.gate_low) / (self.gate_high - self.gate_low), 0.0, 1.0))

    def contrast(self, margin: float | None) -> float:
        """The contrast gate (0-1) for an answer whose margin over this question is ``margin``
        (cosine, see the module docstring; None when there is no rival reference): 1 when the
        gate is disabled (``contrast_high`` 2) or there is no rival."""
        if margin is None or self.contrast_high >= 2.0:
            return 1.0
        if self.contrast_high <= self.contrast_low:
            return 0.0 if margin >= self.contrast_high else 1.0
        return float(np.clip((self.contrast_high - margin) / (self.contrast_high - self.contrast_low), 0.0, 1.0))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature contribution to the logit of each row: (K, F), for explanations."""
        z = (np.asarray(x, np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        return z * np.asarray(self.coef)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> ScorerModel:
    """Read the shipped model. Raises ConfigError when the file is missing or malformed."""
    try:
        return ScorerModel.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"The scorer model {path} is missing; reinstall the package or run evals/fit_scorer.py.") from None
    except Exception as exc:
        raise ConfigError(f"The scorer model {path} is malformed ({exc}); run evals/fit_scorer.py to refit it.") from None
