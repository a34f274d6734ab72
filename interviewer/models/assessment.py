"""Schemas of a grade: an assessment of one answer, the practice-only outcome, and the LLM
usage behind a turn.

Takes nothing of the other schema modules; gives ``Flag``, ``KeyPointResult``, ``Assessment``,
``PracticeOnly`` (with :data:`PRACTICE_ONLY_NOTE`), ``Outcome`` (either of the two, told apart
by ``kind``), ``LLMUsage`` and :func:`sum_usage`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Discriminator, Field, Tag

# --------------------------------------------------------------------------- assessment

Flag = Literal[
    "empty",
    "dont_know",
    "gibberish",
    "question_copy",
    "off_topic",
    "too_long",
    "keyword_list",
    "instruction_to_grader",
    "not_english",
]


class KeyPointResult(BaseModel):
    """How one rubric key point fared in an answer."""

    index: int
    text: str
    weight: float
    covered: bool
    similarity: float = Field(description="Best cosine similarity between the key point and an answer sentence, -1..1.")
    credit: float = Field(default=0.0, ge=0, le=1, description="Share of this key point's weight the answer earned, 0-1.")
    evidence: str | None = Field(default=None, description="The answer sentence that covered it, if any.")
    hint: str = Field(default="", description="One line on what was missing, for missed points.")
    offline_verdict: bool = Field(default=False, description="In LLM mode: the model gave no verdict for this point, "
                                  "so this is the offline scorer's.")


class Assessment(BaseModel):
    """The grade of one answer: score 0-5, per-key-point coverage, flags and feedback."""

    kind: Literal["scored"] = "scored"
    score: float = Field(ge=0, le=5)
    key_points: list[KeyPointResult]
    reference_similarity: float = Field(description="Cosine similarity of answer and reference answer, -1..1.")
    flags: list[Flag] = Field(default_factory=list)
    feedback: list[str] = Field(default_factory=list, description="Two or three lines for the candidate.")
    scorer: str = Field(
        default="offline",
        description="Which scorer produced this: 'offline', 'llm:MODEL', or 'offline (LLM failed: WHY)' after a fallback.",
    )
    offline_score: float | None = Field(
        default=None, ge=0, le=5, description="LLM mode: the offline scorer's score of the same answer, 0-5."
    )
    disagreement: bool = Field(
        default=False,
        description="LLM mode: the LLM and offline scores differ by at least "
        "interviewer.llm.judge.DISAGREEMENT_THRESHOLD points; one of them is probably wrong.",
    )
    fallback: str | None = Field(default=None, description="Why the LLM could not grade this answer, when it could not.")

    @property
    def covered(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if k.covered]

    @property
    def missed(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if not k.covered]


PRACTICE_ONLY_NOTE = (
    "Practice-only question: it was imported without an answer, so your answer is saved but not scored "
    "and does not count in the report's averages."
)


class PracticeOnly(BaseModel):
    """The outcome of answering a practice-only question: saved, not scored (there is no reference).

    It has no score; ``score`` is None and the rubric lists are empty so that code showing
    an outcome can tell the two apart with ``isinstance`` or ``kind``.
    """

    kind: Literal["practice_only"] = "practice_only"
    note: str = PRACTICE_ONLY_NOTE

    score: None = None

    @property
    def key_points(self) -> list[KeyPointResult]:
        return []

    @property
    def flags(self) -> list[Flag]:
        return []

    @property
    def feedback(self) -> list[str]:
        return [self.note]

    @property
    def covered(self) -> list[KeyPointResult]:
        return []

    @property
    def missed(self) -> list[KeyPointResult]:
        return []


def _outcome_kind(value) -> str:
    """The ``kind`` tag of a stored outcome; turns saved before practice-only questions existed
    carry no tag and are scored assessments."""
    if isinstance(value, dict):
        return value.get("kind", "scored")
    return getattr(value, "kind", "scored")


#: What answering a question produced: a scored assessment, or practice-only (never scored).
Outcome = Annotated[
    Annotated[Assessment, Tag("scored")] | Annotated[PracticeOnly, Tag("practice_only")],
    Discriminator(_outcome_kind),
]


# --------------------------------------------------------------------------- LLM usage


class LLMUsage(BaseModel):
    """Requests, tokens and cost of the LLM work behind one turn (or, summed, a session).

    Token counts are what the server reported (``usage`` in its responses), summed over every
    request of the turn, retries included. ``cost_usd`` is None when the model's price is unknown.
    """

    model: str = Field(description="Model as configured, e.g. 'openai:gpt-4o-mini' or 'fake'.")
    calls: int = Field(default=0, ge=0, description="Chat-completion requests sent (1 per turn, plus retries).")
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    cost_usd: float | None = Field(default=None, ge=0, description="US dollars, from the price table in interviewer/llm/providers.py.")
    seconds: float = Field(default=0.0, ge=0, description="Wall time of the requests, retry waits included.")
    faults: list[str] = Field(default_factory=list, description="One line per failed request: what went wrong.")
    estimated: bool = Field(default=False, description="Some tokens were estimated (4 characters each): the server reported none.")

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def sum_usage(usages: list[LLMUsage]) -> LLMUsage | None:
    """Totals over turns (None when no turn used an LLM); cost is None if any part's price is unknown."""
    if not usages:
        return None
    models = list(dict.fromkeys(u.model for u in usages))
    costs = [u.cost_usd for u in usages]
    return LLMUsage(
        model=", ".join(models),
        calls=sum(u.calls for u in usages),
        prompt_tokens=sum(u.prompt_tokens for u in usages),
        completion_tokens=sum(u.completion_tokens for u in usages),
        cost_usd=None if any(c is None for c in costs) else round(sum(costs), 8),  # type: ignore[arg-type]
        seconds=round(sum(u.seconds for u in usages), 3),
        faults=[f for u in usages for f in u.faults],
        estimated=any(u.estimated for u in usages),
    )
