"""The judge seam: one call grades an answer *and* words the interviewer's next message.

The engine decides what happens next (stage order, which question, whether a follow-up is
due); a :class:`Judge` grades the answer and proposes wording for both possible next moves
(a follow-up, or the transition to the next question), and the engine keeps the wording
that matches its decision. An LLM judge lives in :mod:`interviewer.llm.judge`; nothing here
knows about LangChain, so the engine depends only on these plain types.

A judge's :meth:`Judge.judge` is a generator of events, in this order:

1. exactly one :class:`Graded` (the assessment, before any wording streams);
2. any number of :class:`Text` deltas on the ``"follow_up"`` and ``"transition"`` channels;
3. a :class:`Broken` for a channel whose streamed wording turned out unusable;
4. exactly one :class:`Judged`, the complete result, last.

A judge never raises for a model failure: it falls back to the offline assessment and
says so in ``Assessment.scorer`` and ``Assessment.fallback``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..models import Assessment, LLMUsage, Reference, RubricPoint

Channel = Literal["follow_up", "transition"]


@dataclass(frozen=True)
class JudgeRequest:
    """Everything a judge needs for one answer; the engine fills it, the judge looks nothing up.

    Attributes:
        answer: the candidate's answer, as typed (any string).
        question: what was asked this turn (the bank question, or the follow-up's wording).
        main_question: the bank question this turn belongs to (same as ``question`` for a main turn).
        reference: reference answer and rubric, as retrieved from the knowledge base.
        focus: key-point indices to grade (a follow-up grades the point it probes); None = all.
        passages: source passages near the reference, ``[{"text", "source", "distance"}]``.
        offline: the offline scorer's assessment of the same answer (the fallback, and the
            check the LLM score is compared with).
        follow_up_options: key points a follow-up may probe next, in the engine's priority
            order (highest weight first); empty when no follow-up can come next.
        next_stage: stage of the next main question, or None when this was the last one.
        new_stage: the next main question opens a new stage.
        level: the role level interviewed for.
        stage: the stage of this question.
    """

    answer: str
    question: str
    main_question: str
    reference: Reference
    offline: Assessment
    focus: list[int] | None = None
    passages: list[dict] = field(default_factory=list)
    follow_up_options: list[RubricPoint] = field(default_factory=list)
    next_stage: str | None = None
    new_stage: bool = False
    level: str = "mid"
    stage: str = "ml_fundamentals"

    @property
    def is_follow_up(self) -> bool:
        return self.question != self.main_question


@dataclass(frozen=True)
class Graded:
    """The answer is graded: ``follow_up_point`` is the key point the proposed follow-up wording probes (None: none)."""

    assessment: Assessment
    follow_up_point: int | None


@dataclass(frozen=True)
class Text:
    """A piece of proposed wording on one channel; the pieces of a channel concatenate to its message."""

    channel: Channel
    delta: str


@dataclass(frozen=True)
class Broken:
    """The wording on ``channel`` failed after grading: its text streamed so far must be discarded."""

    channel: Channel
    reason: str


@dataclass
class Judgement:
    """A judge's complete result for one answer.

    ``follow_up_message`` and ``transition_message`` are None when the judge has no wording
    (offline fallback, or the wording failed a check); the engine then uses the offline voice.
    ``transition_message`` is a reaction that leads into the next question: the engine appends
    the question itself, verbatim from the bank.
    """

    assessment: Assessment
    follow_up_point: int | None = None
    follow_up_message: str | None = None
    transition_message: str | None = None
    usage: LLMUsage | None = None
    prompt: str = ""
    prompt_version: str = ""


@dataclass(frozen=True)
class Judged:
    """The last event: the complete :class:`Judgement`."""

    result: Judgement


JudgeEvent = Graded | Text | Broken | Judged


class Judge(Protocol):
    """Grades an answer and words both possible next moves in one go (see the module docstring).

    ``name`` is shown to the user, e.g. ``"openai:gpt-4o-mini"``.
    """

    name: str

    def judge(self, request: JudgeRequest) -> Iterator[JudgeEvent]: ...
