"""The bank's reference index, and the evidence the offline scorer reads off it.

Takes the reference answers of a whole bank (their unit embeddings, question ids and topics)
and an answer's alignment with one question's rubric
(:class:`~interviewer.scoring.features.Alignment`); gives a :class:`ReferenceIndex` and, through
:class:`TopicEvidence` (mixed into :class:`~interviewer.scoring.offline.OfflineScorer`), how much
the answer speaks to this question (``evidence``), how much nearer it is to another question's
reference answer (``margin``, which the model's contrast gate reads), and whether it is about
another topic altogether (the ``off_topic`` flag, :data:`OFF_TOPIC_RULES`). Its names are
importable from :mod:`interviewer.scoring.offline` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..models import Reference
from .features import FEATURES, Alignment
from .model import ScorerModel

#: In a rubric of RUBRIC_MIN_POINTS or more claims, a key point earns full credit only when
#: the answer addresses it: its credit is scaled from ADDRESS_FLOOR (best unit similarity at
#: or below ADDRESS_LOW) up to 1 (at ADDRESS_HIGH or above). On the bank, reference-answer
#: sentences match their own key points at p5 0.55 and other topics' sentences at p95 0.40
#: (evals/calibrate_scorer.py, first version). A reference of one or two sentences (the public
#: ASAG data, a follow-up's single point) is graded as a whole and not scaled.
RUBRIC_MIN_POINTS, ADDRESS_LOW, ADDRESS_HIGH, ADDRESS_FLOOR = 3, 0.40, 0.55, 0.25
#: How distinctly an answer addresses a key point is the smaller of its distinctness against
#: the key point and against the key point without the question's words, plus this margin
#: (:attr:`interviewer.scoring.features.Alignment.distinct_demoted`). When every key point names
#: the question's subject ("AutoML optimises only the metric ...", "AutoML does not frame the
#: problem ..."), a vague answer that names it too ("I think AutoML is an important area. It
#: depends on the data ...") was as close to each point as to the others and earned 0.7 of
#: four of them (2.8 of 5, as much as an answer that made two of the points; now 1.3). Chosen
#: on the even half of the bank (rubrics of 3+ points, evals/adversarial.py's answers), checked
#: on the odd half: reworded reference answers p5 0.70 / 0.68 (above ADDRESS_HIGH), vague
#: answers p95 0.47 / 0.46 and other topics' answers p95 0.46 / 0.46 (raw distinctness gave
#: vague answers p95 0.50). A margin of 0.15 cut vague answers further (p95 0.44) but left a key
#: point of 15 of the 519 reference answers, scored as answers, uncovered; at 0.25 it is 4.
DEMOTED_ADDRESS_MARGIN = 0.25
#: Off-topic rule, as (best key-point similarity below, margin at least) pairs: the
#: answer matches no key point well and is closer (cosine) to the reference answer of a
#: question on another topic than to this question's, by a margin that must be larger the
#: better a key point is matched. The first tier: no key point at the level a sentence that
#: states it reaches (ADDRESS_HIGH) and any margin. Calibrated with ``python
#: evals/calibrate_scorer.py --limit 519`` (every bank question; answers to a question of
#: another taxonomy category, which leaves the index): on-topic answers of one reference
#: sentence reach a margin of +0.09 at p95, of two sentences +0.03; answers to another
#: question +0.15 at p5. The tiers flag 517 of 519 answers to other questions, and 44 of 519
#: one-sentence and 4 of 519 two-sentence on-topic answers (opening sentences that state no
#: key point). The rule applies only to rubrics of RUBRIC_MIN_POINTS or more: one-sentence
#: references are too short to tell topics apart. With the references of the file's other
#: assignments or modules as the index, it flagged 97 of the 848 mohler_dev answers that
#: graders gave 3.5 or more, and 131 of the 344 correct beetle_test_uq answers
#: (``python evals/calibrate_scorer.py --asag FILE``). An earlier absolute rule (low similarity
#: to reference, key points and question) flagged paraphrases of one-sentence references and
#: was removed: off-topic needs evidence of another topic.
OFF_TOPIC_RULES: tuple[tuple[float, float], ...] = ((ADDRESS_HIGH, 0.00), (0.65, 0.07), (0.85, 0.14))


@dataclass(frozen=True)
class ReferenceIndex:
    """The reference answers of a whole bank, for telling an answer to another question apart.

    ``vectors`` is (N, dim) unit embeddings; ``question_ids`` and ``topics`` have length N.
    ``per_question`` marks an index whose "topics" are its questions, as a file of graded
    answers gives (:meth:`interviewer.scoring.asag.ReferenceBuilder.index`): the contrast gate
    reads it, but the off-topic flag needs real topics (neighbouring questions of one lesson
    are not another topic: on SciEntsBank's test files such an index flagged 23 answers
    off-topic, 5 of them graded correct) and flags nothing.
    """

    question_ids: Sequence[str]
    topics: Sequence[str]
    vectors: np.ndarray
    per_question: bool = False

    def without(self, question_id: str) -> ReferenceIndex:
        """The same index less one question (to test answers that are not in the bank)."""
        keep = [i for i, q in enumerate(self.question_ids) if q != question_id]
        return ReferenceIndex([self.question_ids[i] for i in keep], [self.topics[i] for i in keep], self.vectors[keep],
                              self.per_question)

    def best_other_topic(self, answer_vector: np.ndarray, topic: str) -> tuple[str, float] | None:
        """The nearest reference on another topic: (question id, cosine), or None."""
        mask = np.array([t != topic for t in self.topics])
        if not mask.any():
            return None
        sims = self.vectors @ answer_vector
        sims = np.where(mask, sims, -np.inf)
        i = int(sims.argmax())
        return self.question_ids[i], float(sims[i])

    def best_rival(self, answer_vector: np.ndarray, topic: str, reference_vector: np.ndarray | None,
                   max_similarity: float) -> float | None:
        """The answer's cosine to the nearest reference answer on another topic whose own
        cosine to ``reference_vector`` (this question's reference, unit vector) is below
        ``max_similarity`` (a reference that says much the same is not a rival), or None."""
        mask = np.array([t != topic for t in self.topics], dtype=bool)
        if reference_vector is not None and len(self.vectors):
            mask &= self.vectors @ np.asarray(reference_vector, np.float32) < max_similarity
        if not mask.any():
            return None
        return float(np.where(mask, self.vectors @ answer_vector, -np.inf).max())


class TopicEvidence:
    """The offline scorer's evidence of what an answer is about, mixed into
    :class:`~interviewer.scoring.offline.OfflineScorer`: it reads the scorer's reference
    ``index`` (None: no index) and credit ``model``."""

    index: ReferenceIndex | None
    model: ScorerModel

    @staticmethod
    def evidence(reference: Reference, align: Alignment) -> float:
        """How much the answer speaks to this question at all (-1..1): the largest of its best
        key-point similarity (cosine), its similarity to the question (cosine; 0 when the
        reference carries no question embedding) and its ``term_precision`` (the share of its
        own terms that the reference uses: an answer in the reference's jargon, "LIFO" or
        "XGBoost", speaks to it even where the embedding sees little). The model's evidence
        gate reads it."""
        q_vec = reference.question_embedding
        q_sim = float(align.answer_vector @ np.asarray(q_vec, np.float32)) if q_vec else 0.0
        term = float(align.matrix[0, FEATURES.index("term_precision")]) if len(align.matrix) else 0.0
        return max(float(align.matrix[:, 0].max()), q_sim, term)

    def margin(self, reference: Reference, align: Alignment, evidence: float) -> float | None:
        """How much nearer (cosine, -2..2) the answer is to another question's reference answer
        than to this question (``evidence``, from :meth:`evidence`): the rival is the nearest reference of the
        index on another topic and unlike this reference (cosine below the model's
        ``rival_max_similarity``). None without an index, a reference embedding or a rival.
        The model's contrast gate reads it."""
        if self.index is None or not reference.reference_embedding or self.model.contrast_high >= 2.0:
            return None
        rival = self.index.best_rival(align.answer_vector, reference.topic, np.asarray(reference.reference_embedding, np.float32),
                                      self.model.rival_max_similarity)
        return None if rival is None else rival - evidence

    def _off_topic(self, reference: Reference, align: Alignment) -> bool:
        """True when the answer states none of the rubric's key points and is nearer another
        topic's reference answer (:data:`OFF_TOPIC_RULES`). It needs that evidence of another
        topic: without an index of topics, or for a rubric of fewer than RUBRIC_MIN_POINTS points, nothing
        is flagged (a low similarity to a one-sentence reference is often a paraphrase: "adding
        a new item and removing the item" for "push and pop"); the score itself then says the
        answer earns nothing."""
        best_point = float(align.matrix[:, 0].max())
        if (self.index is None or self.index.per_question or len(align.matrix) < RUBRIC_MIN_POINTS
                or best_point >= OFF_TOPIC_RULES[-1][0]):
            return False
        rival = self.index.best_other_topic(align.answer_vector, reference.topic)
        if rival is None:
            return False
        margin = rival[1] - align.reference_similarity
        return any(best_point < sim and margin >= m for sim, m in OFF_TOPIC_RULES)
