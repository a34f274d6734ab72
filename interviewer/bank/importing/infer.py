"""Topic, stage, levels and difficulty of an imported question, inferred from the built-in
taxonomy and bank by embedding similarity (:class:`Inferrer`)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ...models import LEVEL_DIFFICULTY, LEVELS, STAGES, Taxonomy


@dataclass
class Neighbours:
    """The built-in bank's questions as the inferrer sees them: unit vectors (N, dim), and per
    question its topic, stage, levels and difficulty."""

    vectors: np.ndarray
    topics: list[str]
    stages: list[str]
    levels: list[list[str]]
    difficulties: list[int]


#: Wording that asks for code: an instruction to write or implement something ("Write a function
#: that ...", "Implement k-means ...", "Code a ..."), "write/implement a function/class/...",
#: "How would you implement/code ...", or a ban on libraries ("... without scikit-learn").
CODING_WORDING = re.compile(
    r"^(?:write|implement|code)\b"
    r"|\b(?:write|code|implement)\s+(?:a|an|the|some|your own)?\s*"
    r"(?:function|program|class|method|script|query|snippet|code)\b"
    r"|\bhow (?:would|do|could|can) you (?:implement|code)\b"
    r"|\bwithout (?:using )?(?:scikit-learn|sklearn|numpy|pandas|pytorch|torch|any librar(?:y|ies)|a library"
    r"|libraries|built-ins?)\b"
    r"|\bfrom scratch\b|\bpseudo-?code\b",
    re.IGNORECASE,
)


class Inferrer:
    """Infers topic, stage, levels and difficulty of a question from the built-in taxonomy and bank.

    - topic: the taxonomy topic with the best mean of (a) the cosine between the question and
      the topic's "name: description" and (b) the mean cosine of the question's
      :data:`K` closest built-in questions on that topic (topics the bank lacks count (a) only);
    - stage: a vote of the :data:`K_STAGE` built-in questions closest to the question, on any
      topic (a stage is how a question is asked, not only what it is about: a coding exercise on
      ROC AUC is coding, not evaluation metrics), each weighted by its cosine; wording that asks
      for code (:data:`CODING_WORDING`) adds a vote for coding worth :data:`CODING_VOTE` of the
      neighbours' total weight, so it tips a close call but does not overrule a clear one
      ("Implement self-attention in PyTorch" stays deep learning when its neighbours say so);
    - levels, difficulty: from the :data:`K` built-in questions on the inferred topic closest to
      the question, each weighted by its cosine: the levels with at least half the heaviest
      level's weight; the weighted mean difficulty, rounded, within those levels.

    Args:
        embedder: unit-length sentence embeddings.
        taxonomy: the fixed taxonomy.
        neighbours: the built-in questions (from the knowledge base).
    """

    K = 5
    K_STAGE = 7
    CODING_VOTE = 0.5

    def __init__(self, embedder, taxonomy: Taxonomy, neighbours: Neighbours):
        self.embedder = embedder
        self.taxonomy = taxonomy
        self.nb = neighbours
        self.topic_ids = [t.id for t in taxonomy.topics]
        self.topic_vecs = embedder.encode([f"{t.name}: {t.description}" if t.description else t.name for t in taxonomy.topics])
        self._by_topic = {t: np.array([i for i, x in enumerate(neighbours.topics) if x == t], dtype=int) for t in self.topic_ids}

    def topic(self, vec: np.ndarray) -> str:
        label = self.topic_vecs @ vec
        sims = self.nb.vectors @ vec if len(self.nb.topics) else np.zeros(0)
        scores = []
        for t, lab in zip(self.topic_ids, label):
            idx = self._by_topic[t]
            if len(idx):
                top = np.sort(sims[idx])[-self.K:]
                scores.append((lab + float(top.mean())) / 2)
            else:
                scores.append(float(lab))
        return self.topic_ids[int(np.argmax(scores))]

    def stage(self, vec: np.ndarray, text: str = "") -> str:
        """The stage of a question (its vector; ``text``, the question as written, for its wording)."""
        weights: Counter[str] = Counter()
        if len(self.nb.stages):
            sims = self.nb.vectors @ vec
            for i in np.argsort(-sims)[: self.K_STAGE]:
                weights[self.nb.stages[i]] += max(float(sims[i]), 0.01)
        if text and CODING_WORDING.search(text.strip()):
            weights["coding"] += self.CODING_VOTE * (sum(weights.values()) or 1.0)
        if not weights:
            return "ml_fundamentals"
        # ties go to the stage that comes first in an interview (max keeps the first maximum)
        return max(sorted(weights, key=STAGES.index), key=lambda st: weights[st])

    def stage_levels_difficulty(self, vec: np.ndarray, topic: str, text: str = "") -> tuple[str, list[str], int]:
        """(stage, levels, difficulty) of a question on ``topic`` (see the class)."""
        stage = self.stage(vec, text)
        idx = self._by_topic.get(topic, np.zeros(0, dtype=int))
        if not len(idx):
            idx = np.arange(len(self.nb.topics))
        if not len(idx):
            return stage, ["mid"], 3
        sims = self.nb.vectors[idx] @ vec
        order = np.argsort(-sims)[: self.K]
        weights = np.clip(sims[order], 0.01, None)
        near = idx[order]
        level_w: Counter[str] = Counter()
        for i, w in zip(near, weights):
            for lv in self.nb.levels[i]:
                level_w[lv] += float(w)
        top = max(level_w.values())
        levels = [lv for lv in LEVELS if level_w.get(lv, 0) >= top / 2]
        diff = int(round(float(np.average([self.nb.difficulties[i] for i in near], weights=weights))))
        lo = min(LEVEL_DIFFICULTY[lv][0] for lv in levels)
        hi = max(LEVEL_DIFFICULTY[lv][1] for lv in levels)
        return stage, levels, min(hi, max(lo, diff))


def neighbours_from(kb) -> Neighbours:
    """The built-in bank's questions, with their stored embeddings, from a knowledge base."""
    from ...config import BUILTIN_BANK

    got = kb.questions.get(where={"bank": BUILTIN_BANK}, include=["metadatas", "embeddings"])
    metas = got["metadatas"]
    return Neighbours(
        vectors=np.asarray(got["embeddings"], dtype=np.float32).reshape(len(metas), -1),
        topics=[str(m["topic"]) for m in metas],
        stages=[str(m["stage"]) for m in metas],
        levels=[json.loads(m["levels"]) for m in metas],
        difficulties=[int(m["difficulty"]) for m in metas],
    )


def neighbours_from_bank(bank, embedder) -> Neighbours:
    """The built-in questions from a loaded bank (:func:`interviewer.bank.loading.load_bank`), their
    texts embedded now: for tools that infer without a knowledge base (evals)."""
    qs = bank.questions
    return Neighbours(
        vectors=np.asarray(embedder.encode([q.text for q in qs]), dtype=np.float32),
        topics=[q.topic for q in qs], stages=[q.stage for q in qs],
        levels=[list(q.levels) for q in qs], difficulties=[q.difficulty for q in qs],
    )
