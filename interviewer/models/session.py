"""Schemas of an interview session: what the candidate chose, each turn, a stored session's header.

Takes the shared vocabulary (:mod:`.base`) and the grade schemas (:mod:`.assessment`); gives
``SessionConfig``, ``Turn`` and ``SessionInfo``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from .assessment import LLMUsage, Outcome
from .base import STAGES, Level, Stage, _Strict

# --------------------------------------------------------------------------- sessions


class SessionConfig(_Strict):
    """What the candidate chose: level, stages (in interview order), number of main questions."""

    level: Level
    stages: list[Stage] = Field(min_length=1)
    questions: int = Field(ge=1, le=50, description="Main questions (follow-ups not counted).")
    max_follow_ups: int = Field(default=1, ge=0, le=3, description="Follow-ups allowed per main question.")
    bank: str = Field(default="builtin", description="A question bank, or several joined by commas ('builtin,mine').")
    seed: int | None = Field(default=None, description="Fixes question choice; None picks one at start.")
    mode: Literal["interview", "drill"] = Field(
        default="interview", description="'drill': questions come from the review schedule (interviewer.interview.drill), any of the stages.")

    @field_validator("bank")
    @classmethod
    def _bank_names(cls, v: str) -> str:
        names = list(dict.fromkeys(n.strip() for n in v.split(",") if n.strip()))
        if not names:
            raise ValueError("name at least one question bank")
        return ",".join(names)

    @property
    def banks(self) -> list[str]:
        """The bank names, in the order given."""
        return self.bank.split(",")

    @field_validator("stages")
    @classmethod
    def _ordered_unique(cls, v: list[str]) -> list[str]:
        seen = list(dict.fromkeys(v))
        return sorted(seen, key=STAGES.index)


class Turn(BaseModel):
    """One exchange: the interviewer's question (main or follow-up) and, once given, the answer and its assessment."""

    session_id: str
    index: int = Field(ge=0, description="0-based position in the session.")
    question_id: str
    stage: Stage
    topic: str
    level: Level
    difficulty: int
    question: str = Field(description="The question asked (bank text, or the follow-up question).")
    message: str = Field(default="", description="The interviewer's whole message that asked it, as shown.")
    is_follow_up: bool = False
    follow_up_of: int | None = Field(default=None, description="Key point index a follow-up probes.")
    answer: str | None = None
    assessment: Outcome | None = None
    bank: str = Field(default="builtin", description="The question bank the question came from.")
    practice_only: bool = Field(default=False, description="A practice-only question: the answer is saved, not scored.")
    asked_at: datetime
    answered_at: datetime | None = None
    prompt: str = Field(default="", description="Name of the prompt file that graded the answer and worded the reply.")
    prompt_version: str = Field(default="", description="Version of that prompt file.")
    llm: LLMUsage | None = Field(default=None, description="LLM requests, tokens and cost of grading this answer; None offline.")
    drill_reason: str | None = Field(default=None, description="In a drill: why this question came up, as shown.")
    due: datetime | None = Field(default=None, description="In a drill: when the item that brought the question up fell due.")
    drill_point: int | None = Field(default=None, description="In a drill: the due key point a follow-up goes to first.")

    @property
    def answered(self) -> bool:
        return self.answer is not None and self.assessment is not None


class SessionInfo(BaseModel):
    """A stored session's header, for resume lists."""

    id: str
    config: SessionConfig
    created_at: datetime
    updated_at: datetime
    status: Literal["active", "finished"]
    answered: int = 0
