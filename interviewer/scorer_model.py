"""The fitted model of the offline scorer: feature row of a key point -> credit (0-1).

A logistic model over standardised features (:data:`interviewer.features.FEATURES`),
``credit = 1 / (1 + exp(-(coef . (x - mean) / scale + intercept)))``. It is fitted by
``evals/fit_scorer.py`` on human-graded answers (fractional logistic regression: each key
point's target is the human score / 5; Papke and Wooldridge 1996, "Econometric methods for
fractional response variables", J. Applied Econometrics) and shipped as the small JSON file
``scorer_model.json`` beside this module.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import ConfigError
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
    fitted_on: str = Field(description="Data the model was fitted on.")
    cross_validation: dict[str, float] = Field(default_factory=dict, description="Held-out metrics from the fit script.")

    @model_validator(mode="after")
    def _shapes(self) -> ScorerModel:
        n = len(self.features)
        if not (len(self.mean) == len(self.scale) == len(self.coef) == n):
            raise ValueError("features, mean, scale and coef must have the same length")
        if tuple(self.features) != FEATURES:
            raise ValueError(f"features {self.features} do not match the scorer's {list(FEATURES)}; refit the model")
        return self

    def credit(self, x: np.ndarray) -> np.ndarray:
        """Credit in [0, 1] for each row of ``x`` (shape (K, F)); returns shape (K,)."""
        z = (np.asarray(x, np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = z @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-logit))

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
