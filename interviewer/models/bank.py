"""Schemas of the question bank: the taxonomy, bank questions and their rubrics, imported
banks, and a question as retrieved from the vector store.

Takes the shared vocabulary (:mod:`.base`); gives ``Topic``, ``Category``, ``Taxonomy``,
``KeyPoint``, ``Question``, ``BankFile``, ``ImportedQuestion``, ``ImportedBank`` (with
:data:`BANK_NAME_PATTERN` and ``InferredField``), ``RubricPoint``, ``Reference`` and
``QuestionCard``. Models read from user-editable files use ``extra="forbid"`` so that a typo in
a field name fails loudly instead of being ignored.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from .base import _ID_PATTERN, Level, Stage, _Strict

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
