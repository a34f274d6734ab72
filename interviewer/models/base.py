"""The vocabulary every schema shares: role levels, interview stages and their titles, the
difficulty each level is asked, and the strict base model of user-editable files.

Takes nothing (the foot of the package); gives ``Level``, ``Stage``, :data:`LEVELS`,
:data:`STAGES`, :data:`STAGE_TITLES`, :data:`LEVEL_DIFFICULTY`, :data:`LEVEL_START_DIFFICULTY`,
and, to the other schema modules, ``_Strict`` and ``_ID_PATTERN``.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

Level = Literal["junior", "mid", "senior", "staff"]
Stage = Literal[
    "screening",
    "ml_fundamentals",
    "deep_learning",
    "ml_system_design",
    "mlops",
    "coding",
    "behavioral",
]

LEVELS: tuple[Level, ...] = get_args(Level)
#: Interview stages in the order an interview walks them (the order of ``Stage``).
STAGES: tuple[Stage, ...] = get_args(Stage)
STAGE_TITLES: dict[str, str] = {
    "screening": "Screening",
    "ml_fundamentals": "ML fundamentals",
    "deep_learning": "Deep learning",
    "ml_system_design": "ML system design",
    "mlops": "MLOps and production",
    "coding": "Coding and algorithms",
    "behavioral": "Behavioral",
}
#: Difficulty range (1-5) that each level is asked; the engine adapts inside it.
LEVEL_DIFFICULTY: dict[str, tuple[int, int]] = {
    "junior": (1, 3),
    "mid": (2, 4),
    "senior": (3, 5),
    "staff": (3, 5),
}
#: Difficulty an interview starts at, per level.
LEVEL_START_DIFFICULTY: dict[str, int] = {"junior": 2, "mid": 3, "senior": 3, "staff": 4}

_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{2,80}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
