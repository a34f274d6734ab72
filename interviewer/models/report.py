"""Schemas of the end-of-interview report: scores per stage and topic, per question, and the
key points due for review.

Takes the shared vocabulary (:mod:`.base`) and ``LLMUsage`` (:mod:`.assessment`); gives
``ScoreGroup``, ``QuestionResult``, ``DueItem`` and ``Report``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from .assessment import LLMUsage
from .base import Level, Stage

# --------------------------------------------------------------------------- report


class ScoreGroup(BaseModel):
    """Mean score over a group (a stage or a topic)."""

    key: str
    name: str
    score: float = Field(ge=0, le=5)
    questions: int


class QuestionResult(BaseModel):
    """A main question's final result, follow-ups folded in."""

    question_id: str
    question: str
    stage: Stage
    topic: str
    score: float = Field(ge=0, le=5)
    main_score: float = Field(ge=0, le=5)
    follow_ups: int = 0
    flags: list[str] = Field(default_factory=list)


class DueItem(BaseModel):
    """A key point due for review, as a report or the progress page lists it."""

    bank: str
    question_id: str
    point: int
    topic: str
    question: str
    key_point: str
    due: datetime
    last_outcome: str = Field(description="How it went last time: 'missed', 'partly made', 'made', 'made well'.")
    last_reviewed: datetime


class Report(BaseModel):
    """The end-of-interview report: overall score, per stage and topic, weak topics to drill."""

    session_id: str
    level: Level
    stages: list[Stage]
    overall: float | None = Field(description="Mean of question scores, 0-5; None if nothing was answered.")
    by_stage: list[ScoreGroup]
    by_topic: list[ScoreGroup]
    weak_topics: list[ScoreGroup]
    questions: list[QuestionResult]
    finished_early: bool = False
    practice_only: list[str] = Field(
        default_factory=list, description="Practice-only questions answered (not scored, left out of every average)."
    )
    usage: LLMUsage | None = Field(default=None, description="LLM requests, tokens and cost over the session; None offline.")
    due_for_review: list[DueItem] = Field(
        default_factory=list, description="Key points due for review now (across sessions), most overdue first.")
