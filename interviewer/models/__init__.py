"""The domain, as pydantic models: bank questions and rubrics, assessments, turns, sessions, reports.

Everything that crosses a module boundary is one of these models. Models read from
user-editable files (the question bank, the taxonomy) use ``extra="forbid"`` so that a
typo in a field name fails loudly instead of being ignored.

Takes nothing from the rest of the package (this is its foot); gives every schema, re-exported
here so that ``from interviewer.models import X`` works for all of them:

- :mod:`.base`: levels, stages, their titles and difficulties;
- :mod:`.bank`: the taxonomy, bank questions and rubrics, imported banks, retrieved references;
- :mod:`.assessment`: an answer's assessment, the practice-only outcome, LLM usage;
- :mod:`.session`: a session's settings, its turns, a stored session's header;
- :mod:`.report`: the end-of-interview report.
"""

from __future__ import annotations

from .assessment import (
    PRACTICE_ONLY_NOTE,
    Assessment,
    Flag,
    KeyPointResult,
    LLMUsage,
    Outcome,
    PracticeOnly,
    sum_usage,
)
from .bank import (
    BANK_NAME_PATTERN,
    BankFile,
    Category,
    ImportedBank,
    ImportedQuestion,
    InferredField,
    KeyPoint,
    Question,
    QuestionCard,
    Reference,
    RubricPoint,
    Taxonomy,
    Topic,
)
from .base import LEVEL_DIFFICULTY, LEVEL_START_DIFFICULTY, LEVELS, STAGE_TITLES, STAGES, Level, Stage
from .report import DueItem, QuestionResult, Report, ScoreGroup
from .session import SessionConfig, SessionInfo, Turn

__all__ = [
    "BANK_NAME_PATTERN",
    "LEVELS",
    "LEVEL_DIFFICULTY",
    "LEVEL_START_DIFFICULTY",
    "PRACTICE_ONLY_NOTE",
    "STAGES",
    "STAGE_TITLES",
    "Assessment",
    "BankFile",
    "Category",
    "DueItem",
    "Flag",
    "ImportedBank",
    "ImportedQuestion",
    "InferredField",
    "KeyPoint",
    "KeyPointResult",
    "LLMUsage",
    "Level",
    "Outcome",
    "PracticeOnly",
    "Question",
    "QuestionCard",
    "QuestionResult",
    "Reference",
    "Report",
    "RubricPoint",
    "ScoreGroup",
    "SessionConfig",
    "SessionInfo",
    "Stage",
    "Taxonomy",
    "Topic",
    "Turn",
    "sum_usage",
]
