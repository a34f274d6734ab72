"""Scoring: grade an answer against the retrieved reference answer and rubric, offline.

The :class:`Scorer` protocol is the seam: the engine calls ``score(answer, reference)`` and
gets an :class:`~interviewer.models.Assessment`; an LLM judge plugs in here without the
engine changing.

The offline scorer works in three steps:

1. *Screening* for answers that say nothing or try to game the grade (empty, "I don't know",
   gibberish, another language, the question pasted back, a bare keyword list, instructions
   to the grader, too long to be an answer): each is flagged with its reason and capped.
2. *Key-point credit*: for each rubric key point, the features of
   :mod:`interviewer.scoring.features` (sentence alignment, question-demoted similarity, word
   alignment, term overlap, length, hedging) go through the fitted model of
   :mod:`interviewer.scoring.model`, which gives the credit (0-1) that point earns; its
   evidence gate takes all credit from an answer that states no key point and does not
   speak to the question (:meth:`OfflineScorer.evidence`). A point
   is covered when its credit reaches ``COVERED_CREDIT``; the best-matching answer sentence
   is its evidence.
3. *Score*: 5 x the weighted sum of key-point credits: the rubric's score, explained point
   by point. An answer that is about something else (far from this question, nearer to
   another topic's reference) is flagged ``off_topic`` and capped.

The screen is :mod:`interviewer.scoring.screening`; the reference index and the off-topic and
contrast evidence read off it are :mod:`interviewer.scoring.reference_index`. Their public
names are importable from here too.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Protocol

import numpy as np

from ..embeddings import SentenceEmbeddings
from ..models import Assessment, Flag, KeyPointResult, Question, Reference, RubricPoint
from .features import (  # noqa: F401  (FEATURES, STEM, STOPWORDS: re-exported)
    FEATURES,
    STEM,
    STOPWORDS,
    WORD,
    Alignment,
    WordVectors,
    anchor_vectors,
    content_words,
    demoted_key_point_texts,
    key_point_features,
    split_clauses,
    split_sentences,
)
from .model import ScorerModel, load_model
from .reference_index import (  # noqa: F401  (OFF_TOPIC_RULES: re-exported)
    ADDRESS_FLOOR,
    ADDRESS_HIGH,
    ADDRESS_LOW,
    DEMOTED_ADDRESS_MARGIN,
    OFF_TOPIC_RULES,
    RUBRIC_MIN_POINTS,
    ReferenceIndex,
    TopicEvidence,
)
from .screening import (  # noqa: F401  (the screen's constants, is_keyword_list: re-exported)
    CODE_MAX_WORDS,
    COPY_MIN_SHARE,
    FLAG_CAPS,
    FLAGGED_CAP,
    GIBBERISH_WORD_SHARE,
    KEYWORD_LIST_MIN_ITEMS,
    MAX_ANSWER_CHARS,
    MAX_ANSWER_WORDS,
    NEAR_COPY_MIN_SHARE,
    NUMBER,
    Screen,
    Screening,
    flag_message,
    is_keyword_list,
    score_cap,
)
from .vocabulary import Vocabulary, domain_words, tokens  # noqa: F401  (domain_words, tokens: re-exported)

__all__ = [
    "Scorer", "OfflineScorer", "ReferenceIndex", "derive_key_points", "split_sentences", "split_clauses",
    "content_words", "visible_assessment", "flag_message", "feedback_lines",
]

#: A key point is shown as covered when its best answer unit is at least this similar (cosine)
#: to it and it earns at least COVERED_CREDIT. On the bank, reference-answer sentences match
#: their own key points at p5 0.55, sentences of other topics' answers at p95 0.40
#: (evals/calibrate_scorer.py in its first version).
COVER_SIMILARITY, COVERED_CREDIT = 0.55, 0.5


class Scorer(Protocol):
    """Grades one answer against a retrieved reference.

    ``focus`` (key-point indices) restricts the rubric, as for a follow-up that probes one
    missed point; ``question`` is what was asked (a follow-up's own wording, say).
    """

    name: str

    def score(
        self, answer: str, reference: Reference, *, question: str | None = None, focus: list[int] | None = None
    ) -> Assessment: ...


#: A key point derived by merging sentences stays at most this many words: a key point is one
#: claim a candidate can make in a breath, and the sentence model reads only its first 256
#: word pieces. The bank's own key points: p50 18, p95 24, max 32 words.
MAX_POINT_WORDS = 45


def derive_key_points(reference_answer: str, max_points: int = 6) -> list[str]:
    """Key points of a reference answer that has no rubric: its sentences (its main claims).

    A one-sentence reference is one key point. More than ``max_points`` sentences are merged
    pairwise, shortest neighbours first, so that each point stays a whole claim, while a merged
    point stays within :data:`MAX_POINT_WORDS`. A long reference (an essay imported as an answer)
    that still has more sentences keeps the ``max_points`` most central ones, in order: those
    whose content words recur most in the other sentences (per word, so long sentences are not
    favoured), the lexical centroid of extractive summarising. Returns at least one point for
    any non-empty text.
    """
    points = split_sentences(reference_answer) or [reference_answer.strip()]
    while len(points) > max_points:
        i = min(range(len(points) - 1), key=lambda j: len(points[j]) + len(points[j + 1]))
        merged = f"{points[i]} {points[i + 1]}"
        if len(merged.split()) > MAX_POINT_WORDS:
            break
        points[i : i + 2] = [merged]
    if len(points) > max_points:
        stems = [{w[:STEM] for w in content_words(p)} for p in points]
        counts = Counter(w for ws in stems for w in ws)
        central = [sum(counts[w] - 1 for w in ws) / (len(ws) or 1) for ws in stems]
        keep = sorted(sorted(range(len(points)), key=lambda i: -central[i])[:max_points])
        points = [points[i] for i in keep]
    return points


class OfflineScorer(Screening, TopicEvidence):
    """Rubric scorer on sentence embeddings and a small fitted model; no network, no LLM.

    Args:
        embedder: sentence embeddings (unit vectors); the same model that built the store,
            so key-point embeddings retrieved from Chroma are comparable.
        model: the key-point credit model (default: the shipped ``scorer_model.json``).
        index: the bank's reference answers, for the off-topic rule and the contrast gate
            (optional: without it no answer is flagged off-topic, no answer is scaled down for
            being nearer another question, and the score alone says it earns nothing).
        vocabulary: the words of the knowledge base, for the gibberish screen
            (:class:`~interviewer.scoring.vocabulary.Vocabulary`; default: English words only).
        shipped: vectors of known rubric texts, ``texts -> (len(texts), dim) unit rows, or None
            when any text is unknown`` (the app passes the built-in bank's shipped vectors,
            :meth:`interviewer.index.vectors.VectorCache.vectors_for`, which hold every text of
            :func:`rubric_texts`); a hit spares the first answer to a question its rubric's model
            call (about 130 ms on 2 cores). Default: none, the model embeds them.

    ``score`` returns an Assessment with score in [0, 5] (one decimal), one KeyPointResult
    per rubric point (or per focused point) with its credit, flags, and 2-3 feedback lines.
    It never raises on any string input.

    The screen (:meth:`screen`, :meth:`is_gibberish`) is
    :class:`~interviewer.scoring.screening.Screening`; :meth:`evidence`, :meth:`margin` and the
    off-topic check are :class:`~interviewer.scoring.reference_index.TopicEvidence`.
    """

    name = "offline"

    def __init__(self, embedder: SentenceEmbeddings, model: ScorerModel | None = None, index: ReferenceIndex | None = None,
                 vocabulary: Vocabulary | None = None, shipped: Callable[[list[str]], np.ndarray | None] | None = None):
        self.embedder = embedder
        self.shipped = shipped
        self.model = model or load_model()
        self.index = index
        self.vocabulary = vocabulary or Vocabulary()
        self.words = WordVectors(embedder)
        self._demoted: dict[tuple[str, str], np.ndarray] = {}
        self._sentences: dict[str, np.ndarray] = {}  # reference answer -> its sentence embeddings (anchors)

    def with_index(self, index: ReferenceIndex | None) -> OfflineScorer:
        """The same scorer (model, vocabulary, embedding caches) with another reference index."""
        other = copy.copy(self)
        other.index = index
        return other

    # ------------------------------------------------------------------ scoring

    def prepare(self, reference: Reference, *, question: str | None = None, focus: list[int] | None = None) -> None:
        """Embed and cache what grading an answer to this question needs besides the answer:
        each key point's anchor sentence and its question-demoted vector. :meth:`score` does
        this itself on the first answer to a question (about 150 ms on 2 cores, once per
        question); a caller that can wait for the candidate in the background may call it
        when the question is asked. evals/bench_scoring.py times both parts."""
        points, asked = _rubric(reference, question, focus)
        self._anchor_vectors(reference, points)
        missing = [p for p in points if (asked, p.text) not in self._demoted]
        if missing and self._demoted_vectors(asked, missing) is None:  # not cached nor shipped
            vecs = self.embedder.encode(demoted_key_point_texts(asked, [p.text for p in missing]), batch_size=8)
            for p, v in zip(missing, vecs):
                self._demoted[(asked, p.text)] = v

    def _demoted_vectors(self, question: str, points: list[RubricPoint]) -> np.ndarray | None:
        """Cached embeddings of the key points without the question's words, or None when any
        is missing (they are then embedded in the same batch as the answer, and cached)."""
        try:
            return np.stack([self._demoted[(question, p.text)] for p in points])
        except KeyError:
            pass
        vecs = self.shipped(demoted_key_point_texts(question, [p.text for p in points])) if self.shipped else None
        if vecs is not None:
            for p, v in zip(points, vecs):
                self._demoted[(question, p.text)] = v
        return vecs

    def _anchor_vectors(self, reference: Reference, points: list[RubricPoint]) -> np.ndarray | None:
        """Each key point's anchoring reference sentence (:func:`interviewer.scoring.features.anchor_vectors`);
        the reference's sentence embeddings are cached, so a follow-up's single point costs no
        model call. None when the key points carry no embeddings."""
        if not all(p.embedding is not None for p in points):
            return None
        key = reference.reference_answer
        if key not in self._sentences:
            if len(self._sentences) > 4096:
                self._sentences.clear()
            sentences = split_sentences(reference.reference_answer)
            vecs = self.shipped(sentences) if (self.shipped and sentences) else None
            if vecs is None:
                vecs = self.embedder.encode(sentences, batch_size=16) if sentences else np.zeros((0, 1), np.float32)
            self._sentences[key] = vecs
        return anchor_vectors(np.array([p.embedding for p in points], np.float32), self._sentences[key])

    def align(self, text: str, reference: Reference, points: list[RubricPoint], question: str) -> Alignment:
        """Features of a (screened) answer against ``points``; see :func:`key_point_features`."""
        have_kp = all(p.embedding is not None for p in points)
        return key_point_features(
            self.embedder, self.words, text, question,
            key_points=[p.text for p in points],
            key_point_vectors=np.array([p.embedding for p in points], np.float32) if have_kp else None,
            reference=reference.reference_answer,
            reference_vector=np.asarray(reference.reference_embedding, np.float32) if reference.reference_embedding else None,
            demoted_key_point_vectors=self._demoted_vectors(question, points),
            anchor_vectors=self._anchor_vectors(reference, points),
        )

    def score(
        self, answer: str, reference: Reference, *, question: str | None = None, focus: list[int] | None = None
    ) -> Assessment:
        points, asked = _rubric(reference, question, focus)
        screen = self.screen(answer, asked, reference.reference_answer, [p.text for p in points])
        if {"empty", "gibberish", "not_english"} & set(screen.flags) or not screen.text:
            return self._flagged(points, screen.flags)

        align = self.align(screen.text, reference, points, asked)
        for p, v in zip(points, align.demoted_key_point_vectors):
            self._demoted[(asked, p.text)] = v
        return self.assess(screen, align, reference, points)

    def credits(self, reference: Reference, align: Alignment, points: list[RubricPoint], *, gate: bool = True) -> np.ndarray:
        """Credit (0-1) per key point, shape (K,): the model's credit, scaled down for a point of
        a rubric of RUBRIC_MIN_POINTS or more that no answer unit addresses distinctly, times
        the evidence gate and the contrast gate (``gate=False`` leaves both out, for fitting them)."""
        credits = self.model.credit(align.matrix)
        if len(points) >= RUBRIC_MIN_POINTS:
            speaks = align.distinct if align.distinct is not None else align.matrix[:, 0]
            if align.distinct_demoted is not None:
                speaks = np.minimum(speaks, align.distinct_demoted + DEMOTED_ADDRESS_MARGIN)
            addressed = np.clip((speaks - ADDRESS_LOW) / (ADDRESS_HIGH - ADDRESS_LOW), 0.0, 1.0)
            credits = credits * (ADDRESS_FLOOR + (1.0 - ADDRESS_FLOOR) * addressed)
        if not gate:
            return credits
        evidence = self.evidence(reference, align)
        return credits * self.model.gate(evidence) * self.model.contrast(self.margin(reference, align, evidence))

    def assess(self, screen: Screen, align: Alignment, reference: Reference, points: list[RubricPoint]) -> Assessment:
        """The assessment from a screened answer and its alignment: key-point credits from the
        model, the rubric score, off-topic check, caps and feedback (no model call here)."""
        credits = self.credits(reference, align, points)
        total_w = sum(p.weight for p in points)
        rubric = float(sum(p.weight * c for p, c in zip(points, credits)) / total_w)
        raw = 5.0 * rubric

        flags = list(screen.flags)
        if self._off_topic(reference, align):
            flags.append("off_topic")
        cap = score_cap(flags)
        results = []
        for p, c, ev in zip(points, credits, align.evidence):
            covered = bool(c >= COVERED_CREDIT and align.matrix[len(results), 0] >= COVER_SIMILARITY) and cap > FLAGGED_CAP
            results.append(KeyPointResult(
                index=p.index, text=p.text, weight=p.weight, covered=covered,
                similarity=round(float(align.matrix[len(results), 0]), 4), credit=round(float(c), 3),
                evidence=ev if covered else None, hint="" if covered else _hint(p, float(c), ev),
            ))
        score = round(min(cap, max(0.0, raw)), 1)
        return Assessment(
            score=score,
            key_points=results,
            reference_similarity=round(align.reference_similarity, 4),
            flags=flags,
            feedback=feedback_lines(score, results, flags, len(WORD.findall(screen.text))),
            scorer=self.name,
        )

    def _flagged(self, points: list[RubricPoint], flags: list[Flag]) -> Assessment:
        results = [
            KeyPointResult(index=p.index, text=p.text, weight=p.weight, covered=False, similarity=0.0, hint=_hint(p, 0.0, None))
            for p in points
        ]
        return Assessment(
            score=0.0,
            key_points=results,
            reference_similarity=0.0,
            flags=flags,
            feedback=feedback_lines(0.0, results, flags, 0),
            scorer=self.name,
        )


def rubric_texts(question: Question) -> list[str]:
    """Every text the scorer embeds for ``question``'s rubric besides the answer: the reference
    answer's sentences (each key point's anchor) and the question-demoted key points, for the
    main question and for each key point's follow-up (asked alone). Empty for a question with no
    reference answer. What :mod:`interviewer.index.ship` embeds for the shipped vectors."""
    if not question.reference_answer:
        return []
    points = [k.text for k in question.key_points]
    texts = split_sentences(question.reference_answer) + demoted_key_point_texts(question.text, points)
    for k in question.key_points:
        if k.follow_up:
            texts += demoted_key_point_texts(k.follow_up, [k.text])
    return texts


def _rubric(reference: Reference, question: str | None, focus: list[int] | None) -> tuple[list[RubricPoint], str]:
    """The key points graded (the focused ones, or all) and the question as asked."""
    points = [p for p in reference.key_points if focus is None or p.index in focus] or reference.key_points
    return points, question or reference.question_text


def _hint(point: RubricPoint, credit: float, evidence: str | None) -> str:
    """One line on what was missing from a key point."""
    if evidence and credit >= 0.25:
        return f"Partly there (\u201c{_clip(evidence)}\u201d); make the point explicit: {point.text}"
    return f"Missing: {point.text}"


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def visible_assessment(a: Assessment, follow_up_pending: bool) -> Assessment:
    """What the candidate may see now: while a follow-up on this question is pending, the
    missed key points (and feedback naming them) stay hidden, so the follow-up is not answered
    for them. Everything is shown once the question is done."""
    if not follow_up_pending:
        return a
    missed = [k.text for k in a.missed]
    points = [k if k.covered else k.model_copy(update={"text": "(hidden until you answer the follow-up)", "hint": ""})
              for k in a.key_points]
    feedback = [f for f in a.feedback if not any(m in f for m in missed)]
    return a.model_copy(update={"key_points": points, "feedback": feedback})


def feedback_lines(score: float, results: list[KeyPointResult], flags: list[str], n_words: int) -> list[str]:
    """Two or three lines of feedback: the score explained by the rubric, the most important
    gap, and one tip."""
    covered = [r for r in results if r.covered]
    missed = sorted((r for r in results if not r.covered), key=lambda r: -r.weight)
    lines: list[str] = []
    if flags:
        lines.append(flag_message(flags[0]))
    else:
        earned = sum(r.weight * r.credit for r in results) / (sum(r.weight for r in results) or 1)
        verdict = "Strong answer" if score >= 4 else "Partly there" if score >= 2.5 else "Weak answer"
        lines.append(f"{verdict}: {len(covered)} of {len(results)} key points covered, "
                     f"{earned:.0%} of the rubric's weight earned, so {score:.1f} / 5.")
    if missed:
        lines.append(f"Most important gap: {missed[0].text}")
    if not flags:
        if n_words < 40 and score < 4:
            lines.append("Say more: a strong answer explains why, with a concrete example, number or trade-off.")
        elif covered:
            best = max(covered, key=lambda r: r.weight)
            lines.append(f"Well made point: {best.text}")
    return lines[:3]
