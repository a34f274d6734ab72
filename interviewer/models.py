"""The domain, as pydantic models: bank questions and rubrics, assessments, turns, sessions, reports.

Everything that crosses a module boundary is one of these models. Models read from
user-editable files (the question bank, the taxonomy) use ``extra="forbid"`` so that a
typo in a field name fails loudly instead of being ignored.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

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


# --------------------------------------------------------------------------- taxonomy


class Topic(_Strict):
    """One topic of the fixed taxonomy (``knowledge/taxonomy.yaml``)."""

    id: str = Field(pattern=r"^[a-z0-9_]{3,60}$", description="Stable snake_case id.")
    name: str = Field(min_length=3, description="Human-readable name.")
    category: str = Field(description="Id of the category this topic belongs to.")
    description: str = Field(default="", description="What the topic covers.")


class Category(_Strict):
    """A top-level category of the taxonomy, as named in the source documents."""

    id: str = Field(pattern=r"^[a-z0-9_]{3,60}$")
    name: str = Field(min_length=3)


class Taxonomy(_Strict):
    """The one fixed list of categories and topics every bank question is tagged with."""

    categories: list[Category]
    topics: list[Topic]

    @model_validator(mode="after")
    def _check(self) -> Taxonomy:
        cat_ids = [c.id for c in self.categories]
        if len(set(cat_ids)) != len(cat_ids):
            raise ValueError("duplicate category id")
        topic_ids = [t.id for t in self.topics]
        dupes = {t for t in topic_ids if topic_ids.count(t) > 1}
        if dupes:
            raise ValueError(f"duplicate topic ids: {sorted(dupes)}")
        for t in self.topics:
            if t.category not in cat_ids:
                raise ValueError(f"topic {t.id!r} names unknown category {t.category!r}")
        return self

    def topic(self, topic_id: str) -> Topic | None:
        """The topic with this id, or None."""
        return next((t for t in self.topics if t.id == topic_id), None)

    def topic_name(self, topic_id: str) -> str:
        """Display name of a topic id (the id itself when unknown)."""
        t = self.topic(topic_id)
        return t.name if t else topic_id


# --------------------------------------------------------------------------- question bank


class KeyPoint(_Strict):
    """One rubric item: a claim a good answer makes, its weight, and the follow-up that probes it."""

    text: str = Field(min_length=8, description="The claim, as one sentence.")
    weight: float = Field(gt=0, le=1, description="Share of the rubric, 0-1; a question's weights sum to 1.")
    follow_up: str = Field(min_length=8, description="Question asked when an answer misses this point.")


class Question(_Strict):
    """A question-bank entry with its reference answer and rubric.

    ``levels`` lists the role levels the question is asked at; ``difficulty`` is 1 (warm-up)
    to 5 (hardest asked at staff level). Key-point weights must sum to 1 (within 0.01).
    """

    id: str = Field(pattern=_ID_PATTERN, description="Unique id, lower-case, e.g. 'mlf-bias-variance'.")
    text: str = Field(min_length=10, description="The question as the interviewer asks it.")
    category: str = Field(description="Taxonomy category id.")
    topic: str = Field(description="Taxonomy topic id.")
    stage: Stage
    levels: list[Level] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=5)
    reference_answer: str = Field(min_length=40, description="What an accepted answer says, in the project's words.")
    key_points: list[KeyPoint] = Field(min_length=3, max_length=6)

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("levels must not repeat")
        return v

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Question:
        total = sum(k.weight for k in self.key_points)
        if not math.isclose(total, 1.0, abs_tol=0.011):
            raise ValueError(f"key point weights sum to {total:.3f}, they must sum to 1")
        return self


class BankFile(_Strict):
    """The shape of one question-bank YAML file."""

    questions: list[Question] = Field(min_length=1)


#: A bank name: lower-case letters, digits, "-" and "_" (it names a file and a metadata value).
BANK_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
InferredField = Literal["topic", "stage", "levels", "difficulty"]


class ImportedQuestion(_Strict):
    """A question of an imported bank (``interviewer bank import``).

    Like :class:`Question`, except that the answer may be missing: a question without a
    ``reference_answer`` is *practice-only* (asked, its answer saved, never scored) and has
    no key points. With an answer it has 1-6 key points derived from it (weights sum to 1).
    """

    id: str = Field(pattern=_ID_PATTERN)
    text: str = Field(min_length=5, description="The question as the interviewer asks it.")
    category: str
    topic: str
    stage: Stage
    levels: list[Level] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=5)
    reference_answer: str | None = Field(default=None, description="The imported answer (Markdown); None: practice-only.")
    key_points: list[KeyPoint] = Field(default_factory=list, max_length=6)
    inferred: list[InferredField] = Field(default_factory=list, description="Fields inferred by similarity, not given.")
    source: str = Field(default="", description="Where it came from: 'FILE:LINE' or 'FILE row N'.")
    links: list[str] = Field(default_factory=list,
                             description="Practice-only: the links the file gave instead of an answer, to read after answering.")

    @property
    def practice_only(self) -> bool:
        return self.reference_answer is None

    @model_validator(mode="after")
    def _rubric_matches_answer(self) -> ImportedQuestion:
        if self.reference_answer is None and self.key_points:
            raise ValueError("a practice-only question (no reference_answer) has no key points")
        if self.reference_answer is not None:
            if not self.key_points:
                raise ValueError("a question with a reference_answer needs at least one key point")
            total = sum(k.weight for k in self.key_points)
            if not math.isclose(total, 1.0, abs_tol=0.011):
                raise ValueError(f"key point weights sum to {total:.3f}, they must sum to 1")
        return self


class ImportedBank(_Strict):
    """An imported question bank as stored in ``$INTERVIEWER_HOME/banks/NAME.yaml``."""

    name: str = Field(pattern=BANK_NAME_PATTERN)
    source: str = Field(description="The file it was imported from.")
    imported_at: datetime
    questions: list[ImportedQuestion] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _not_builtin(cls, v: str) -> str:
        if v == "builtin":
            raise ValueError("'builtin' is the built-in bank's name; choose another")
        return v


# --------------------------------------------------------------------------- retrieval results


class RubricPoint(BaseModel):
    """A key point as retrieved from the store, with its embedding for coverage scoring."""

    index: int = Field(ge=0, description="Position of the key point in its question's rubric.")
    text: str
    weight: float = Field(gt=0, le=1)
    follow_up: str
    embedding: list[float] | None = Field(default=None, description="Unit-length vector, or None.")


class Reference(BaseModel):
    """What the scorer grades against, exactly as retrieved from the vector store."""

    question_id: str
    question_text: str
    topic: str
    reference_answer: str
    key_points: list[RubricPoint]
    reference_embedding: list[float] | None = None
    question_embedding: list[float] | None = None


class QuestionCard(BaseModel):
    """A question as the engine sees it when planning: no reference answer, no rubric."""

    id: str
    text: str
    category: str
    topic: str
    stage: Stage
    levels: list[Level]
    difficulty: int
    bank: str = "builtin"
    practice_only: bool = Field(default=False, description="Imported without an answer: asked, never scored.")


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


