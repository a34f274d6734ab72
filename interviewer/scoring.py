"""Scoring: grade an answer against the retrieved reference answer and rubric, offline.

The :class:`Scorer` protocol is the seam: the engine calls ``score(answer, reference)`` and
gets an :class:`~interviewer.models.Assessment`; an LLM judge (a later issue) or a better
offline model plugs in here without the engine changing.

The offline scorer works in three steps:

1. *Screening* for answers that say nothing (empty, "I don't know", gibberish, the question
   pasted back, too long to be an answer): these are flagged and capped at 1.
2. *Key-point coverage*: each rubric key point is compared with every answer sentence and
   every pair of adjacent sentences (cosine similarity of all-MiniLM-L6-v2 embeddings); the
   best match is the evidence, and a key point is covered when that similarity reaches
   ``COVER_THRESHOLD``. Sentence-level alignment follows Sultan, Salazar and Sumner (2016),
   "Fast and easy short answer grading with high accuracy", NAACL.
3. *Score*: 5 x (0.65 x weighted soft coverage + 0.35 x soft similarity to the reference
   answer). Answer-to-reference similarity alone is the classic ASAG baseline (Mohler,
   Bunescu and Mihalcea 2011, ACL); the rubric term makes the score explainable point by point.

Thresholds were calibrated on this project's bank with ``evals/calibrate_scorer.py``:
reference-answer sentences vs their own key points (should be covered) and vs key points of
other questions on other topics (should not be).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .embeddings import SentenceEmbeddings
from .models import Assessment, Flag, KeyPointResult, Reference, RubricPoint

#: Cosine similarity at or above which an answer sentence covers a key point (calibrated, see module doc).
COVER_THRESHOLD = 0.55
#: Soft-coverage ramp: similarity at LOW earns nothing, at HIGH full credit (linear between).
KP_LOW, KP_HIGH = 0.40, 0.70
#: Soft ramp for answer-to-reference similarity.
REF_LOW, REF_HIGH = 0.40, 0.85
#: Weights of rubric coverage and reference similarity in the 0-5 score.
W_COVERAGE, W_REFERENCE = 0.65, 0.35
#: Longest answer graded (about 2,000 words); longer ones are flagged ``too_long`` and capped.
MAX_ANSWER_CHARS = 12_000
#: An answer is about something else when all four hold: similarity to the reference, to the
#: best key point and to the question are below these, and under OFF_TOPIC_LEXICAL of its
#: content words occur in the question, reference or rubric. Calibrated on the bank with
#: evals/calibrate_scorer.py: it flags 89% of reference answers to another question of the same
#: stage and 99% of another stage, and none of the one- and two-sentence on-topic answers.
OFF_TOPIC_REFERENCE, OFF_TOPIC_KEYPOINT, OFF_TOPIC_QUESTION, OFF_TOPIC_LEXICAL = 0.55, 0.58, 0.45, 0.40
#: Answers up to this many words are embedded whole; longer ones by their mean sentence vector.
WHOLE_ANSWER_WORDS = 60
#: Sentences graded per answer (about 2,000 words of ordinary prose).
MAX_SENTENCES = 120
#: Score cap for flagged answers.
FLAGGED_CAP = 1.0

_DONT_KNOW = re.compile(
    r"\b(i\s*(do\s*n[o']?t|dont|really\s+don'?t)\s+know|i\s+have\s+no\s+(idea|clue)|no\s+idea|not\s+sure|"
    r"no\s+clue|idk|dunno|i\s+can'?t\s+remember|i\s+don'?t\s+remember|i'?m\s+not\s+familiar|never\s+heard(\s+of\s+it)?|"
    r"i\s+give\s+up|no\s+comment)\b",
    re.IGNORECASE,
)
#: A whole answer that only declines ("pass", "skip", "next").
_DECLINE = re.compile(r"^\W*(pass|skip|next(\s+question)?|nothing|none|n/?a|no)\W*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'(`])|\n+")
_CLAUSE = re.compile(r"\s*[,;:]\s+|\s+\(|\)\s*")
#: Sentences longer than this (words) are also compared clause by clause.
CLAUSE_SPLIT_WORDS = 18
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_STOPWORDS = frozenset(
    "a an the and or but if then so of to in on at by for with from as is are was were be been being "
    "it its this that these those what which who whom how why when where do does did can could would "
    "should will shall may might must you your i we they he she them our my me us not no yes there here "
    "about into than also just very more most such any each some".split()
)


class Scorer(Protocol):
    """Grades one answer against a retrieved reference.

    ``focus`` (key-point indices) restricts the rubric, as for a follow-up that probes one
    missed point; ``question`` is what was asked (a follow-up's own wording, say).
    """

    name: str

    def score(
        self, answer: str, reference: Reference, *, question: str | None = None, focus: list[int] | None = None
    ) -> Assessment: ...


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of an answer, in order, trimmed, without bullet markers."""
    parts = []
    for chunk in _SENTENCE_END.split(text):
        chunk = _BULLET.sub("", chunk).strip()
        if len(_WORD.findall(chunk)) >= 2 or (chunk and len(chunk) > 12):
            parts.append(chunk)
    return parts


def split_clauses(sentence: str, min_words: int = 4) -> list[str]:
    """Clauses of a long sentence (over ``CLAUSE_SPLIT_WORDS`` words), split at , ; : and
    merged so each has at least ``min_words`` words; [] for a short sentence."""
    if len(sentence.split()) <= CLAUSE_SPLIT_WORDS:
        return []
    clauses: list[str] = []
    for part in _CLAUSE.split(sentence):
        part = part.strip()
        if not part:
            continue
        if clauses and len(clauses[-1].split()) < min_words:
            clauses[-1] = f"{clauses[-1]}, {part}"
        else:
            clauses.append(part)
    if clauses and len(clauses[-1].split()) < min_words and len(clauses) > 1:
        clauses[-2:] = [f"{clauses[-2]}, {clauses[-1]}"]
    return clauses if len(clauses) > 1 else []


def content_words(text: str) -> list[str]:
    """Lower-cased words of 3+ letters that are not stopwords."""
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if len(w) > 2 and w not in _STOPWORDS]


def lexical_overlap(answer: str, reference: Reference) -> float:
    """Share (0-1) of the answer's content words that occur in the question, reference answer
    or key points; 1.0 for an answer without content words."""
    words = content_words(answer)
    if not words:
        return 1.0
    vocab = set(content_words(" ".join([reference.question_text, reference.reference_answer, *(p.text for p in reference.key_points)])))
    return sum(w in vocab for w in words) / len(words)


def _ramp(x: float, low: float, high: float) -> float:
    return float(min(1.0, max(0.0, (x - low) / (high - low))))


@dataclass(frozen=True)
class Screen:
    """Outcome of screening an answer before semantic scoring."""

    flags: list[Flag]
    text: str  # the text to grade (truncated when too long)


class OfflineScorer:
    """Rubric scorer on sentence embeddings; no network, no LLM. See the module docstring.

    Args:
        embedder: sentence embeddings (unit vectors); the same model that built the store,
            so key-point embeddings retrieved from Chroma are comparable.

    ``score`` returns an Assessment with score in [0, 5] (one decimal), one KeyPointResult
    per rubric point (or per focused point), flags, and 2-3 feedback lines. It never raises
    on any string input.
    """

    name = "offline"

    def __init__(self, embedder: SentenceEmbeddings):
        self.embedder = embedder
        self._vocab: frozenset[str] | None = None

    # ------------------------------------------------------------------ screening

    def _known_words(self) -> frozenset[str]:
        """Whole words of the embedding model's WordPiece vocabulary (about 20k English words)."""
        if self._vocab is None:
            try:
                tok = self.embedder._load().tokenizer
                self._vocab = frozenset(w for w in tok.get_vocab() if w.isalpha() and not w.startswith("##"))
            except Exception:  # a model without a WordPiece vocabulary: skip the check
                self._vocab = frozenset()
        return self._vocab

    def screen(self, answer: str, question: str) -> Screen:
        """Flags for answers that say nothing; see :data:`~interviewer.models.Flag`."""
        text = unicodedata.normalize("NFKC", answer or "")
        flags: list[Flag] = []
        if len(text) > MAX_ANSWER_CHARS:
            flags.append("too_long")
            text = text[:MAX_ANSWER_CHARS]
        printable = sum(ch.isprintable() or ch in "\n\t" for ch in text)
        if not any(ch.isalnum() for ch in text):
            return Screen(["empty", *flags], "")
        if printable < 0.9 * len(text) or "\ufffd" in text[:2000] and text.count("\ufffd") > 3:
            return Screen(["gibberish", *flags], text)
        words = [w.lower() for w in _WORD.findall(text)]
        content = content_words(text)
        # A hedge is only "I don't know" when little else is said: "not sure, but L1 gives
        # sparse weights" is an answer.
        if _DECLINE.match(text) or (_DONT_KNOW.search(text) and len(content_words(_DONT_KNOW.sub(" ", text))) <= 3):
            flags.append("dont_know")
        vocab = self._known_words()
        long_words = [w for w in words if len(w) >= 2]
        if vocab and long_words:
            known = sum(w.strip("'-") in vocab for w in long_words) / len(long_words)
            # Real English answers sit above 0.85 known words; keyboard mashing well below 0.5.
            if known < 0.5 or len(words) < 0.3 * len(text.split()):
                flags.append("gibberish")
        elif not long_words:
            flags.append("gibberish")
        if question and "gibberish" not in flags:
            q_words = set(content_words(question))
            new = [w for w in content if w not in q_words]
            # Question demoting (Mohler et al. 2011): words the question already contains
            # earn nothing; an answer with almost nothing else is the question pasted back.
            if len(content) >= 4 and len(new) <= max(1, 0.15 * len(content)):
                flags.append("question_copy")
        return Screen(flags, text)

    # ------------------------------------------------------------------ scoring

    def score(
        self, answer: str, reference: Reference, *, question: str | None = None, focus: list[int] | None = None
    ) -> Assessment:
        points = [p for p in reference.key_points if focus is None or p.index in focus] or reference.key_points
        screen = self.screen(answer, question or reference.question_text)
        if {"empty", "gibberish"} & set(screen.flags) or not screen.text:
            return self._flagged(points, screen.flags, 0.0)

        sentences = split_sentences(screen.text)[:MAX_SENTENCES] or [screen.text.strip()]
        # Units compared with each key point: sentences, the clauses of long sentences (a list
        # of points in one sentence) and adjacent sentence pairs (a point made across two).
        # ``shown`` is what a unit quotes as evidence: a clause quotes its whole sentence.
        clauses = [(c, sent) for sent in sentences for c in split_clauses(sent)]
        pairs = [f"{a} {b}" for a, b in zip(sentences, sentences[1:])]
        units = sentences + [c for c, _ in clauses] + pairs
        shown = sentences + [sent for _, sent in clauses] + pairs
        # One long sequence costs more than all the short ones together (about 170 ms for 230
        # tokens on 2 cores), so longer answers use the mean of their sentence vectors.
        whole_needed = len(screen.text.split()) <= WHOLE_ANSWER_WORDS
        encoded = sentences + [c for c, _ in clauses]
        texts = encoded + ([screen.text] if whole_needed else [])
        missing = [p.text for p in points if p.embedding is None]
        vecs = self.embedder.encode(texts + missing)
        sent_vecs = vecs[: len(sentences)]
        # A pair's vector is the normalised sum of its sentences' vectors: close to embedding
        # the pair, at no model cost (pairs are twice as long and dominated the run time).
        pair_vecs = sent_vecs[:-1] + sent_vecs[1:]
        pair_vecs = pair_vecs / np.maximum(np.linalg.norm(pair_vecs, axis=1, keepdims=True), 1e-9)
        unit_vecs = np.concatenate([vecs[: len(encoded)], pair_vecs]) if pairs else vecs[: len(encoded)]
        if whole_needed:
            answer_vec = vecs[len(encoded)]
        else:
            answer_vec = sent_vecs.mean(axis=0)
            answer_vec = answer_vec / (np.linalg.norm(answer_vec) or 1.0)
        extra = iter(vecs[len(texts) :])
        kp_vecs = np.stack([np.asarray(p.embedding, dtype=np.float32) if p.embedding is not None else next(extra) for p in points])

        sims = unit_vecs @ kp_vecs.T  # (units, key points)
        ref_sim = float(answer_vec @ np.asarray(reference.reference_embedding, dtype=np.float32)) if reference.reference_embedding else 0.0

        results: list[KeyPointResult] = []
        for j, p in enumerate(points):
            col = sims[:, j]
            best = int(col.argmax())
            best_sim = float(col[best])
            # Prefer a single sentence as evidence when it is nearly as good as the best pair.
            single = int(col[: len(sentences)].argmax())
            evidence_idx = single if col[single] >= best_sim - 0.03 else best
            covered = best_sim >= COVER_THRESHOLD
            results.append(
                KeyPointResult(
                    index=p.index,
                    text=p.text,
                    weight=p.weight,
                    covered=covered,
                    similarity=round(best_sim, 4),
                    evidence=shown[evidence_idx] if covered else None,
                    hint="" if covered else _hint(p),
                )
            )

        total_w = sum(p.weight for p in points)
        coverage = sum(p.weight * _ramp(float(sims[:, j].max()), KP_LOW, KP_HIGH) for j, p in enumerate(points)) / total_w
        raw = 5.0 * (W_COVERAGE * coverage + W_REFERENCE * _ramp(ref_sim, REF_LOW, REF_HIGH))

        flags = list(screen.flags)
        q_sim = float(answer_vec @ np.asarray(reference.question_embedding, dtype=np.float32)) if reference.question_embedding else 0.0
        if (
            not flags
            and ref_sim < OFF_TOPIC_REFERENCE
            and float(sims.max()) < OFF_TOPIC_KEYPOINT
            and q_sim < OFF_TOPIC_QUESTION
            and lexical_overlap(screen.text, reference) < OFF_TOPIC_LEXICAL
        ):
            flags.append("off_topic")
        if flags:
            raw = min(raw, FLAGGED_CAP)
            for r in results:  # nothing counts as covered in an answer that says nothing
                r.covered, r.evidence, r.hint = False, None, r.hint or _hint(next(p for p in points if p.index == r.index))
        score = round(min(5.0, max(0.0, raw)), 1)
        return Assessment(
            score=score,
            key_points=results,
            reference_similarity=round(ref_sim, 4),
            flags=flags,
            feedback=feedback_lines(score, results, flags, len(_WORD.findall(screen.text))),
            scorer=self.name,
        )

    def _flagged(self, points: list[RubricPoint], flags: list[Flag], score: float) -> Assessment:
        results = [
            KeyPointResult(index=p.index, text=p.text, weight=p.weight, covered=False, similarity=0.0, hint=_hint(p))
            for p in points
        ]
        return Assessment(
            score=score,
            key_points=results,
            reference_similarity=0.0,
            flags=flags,
            feedback=feedback_lines(score, results, flags, 0),
            scorer=self.name,
        )


def _hint(point: RubricPoint) -> str:
    return f"Missing: {point.text}"


_FLAG_MESSAGES: dict[str, str] = {
    "empty": "No answer was given, so there is nothing to grade.",
    "dont_know": "Saying you don't know is honest, but it earns no credit: in a real interview, reason out loud from what you do know.",
    "gibberish": "The answer could not be read as English text, so it was not graded.",
    "question_copy": "The answer repeats the question without adding anything; explain the idea in your own words.",
    "off_topic": "The answer is about something else; it does not address this question.",
    "too_long": f"Answers are graded up to {MAX_ANSWER_CHARS:,} characters (about 2,000 words); keep to the points that matter.",
    "keyword_list": "A list of keywords without explanation does not show understanding; explain how the ideas connect.",
    "instruction_to_grader": "Instructions to the grader are ignored and do not change the score.",
}


def flag_message(flag: str) -> str:
    """The sentence shown to the candidate for a flag."""
    return _FLAG_MESSAGES.get(flag, flag)


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
    """Two or three lines of feedback: the verdict, the most important gap, and one tip."""
    covered = [r for r in results if r.covered]
    missed = sorted((r for r in results if not r.covered), key=lambda r: -r.weight)
    lines: list[str] = []
    if flags:
        lines.append(flag_message(flags[0]))
    elif score >= 4:
        lines.append(f"Strong answer: it covers {len(covered)} of {len(results)} key points.")
    elif score >= 2.5:
        lines.append(f"Partly there: it covers {len(covered)} of {len(results)} key points.")
    else:
        lines.append(f"Weak answer: it covers {len(covered)} of {len(results)} key points.")
    if missed:
        lines.append(f"Most important gap: {missed[0].text}")
    if not flags:
        if n_words < 40 and score < 4:
            lines.append("Say more: a strong answer explains why, with a concrete example, number or trade-off.")
        elif covered:
            best = max(covered, key=lambda r: r.weight)
            lines.append(f"Well made point: {best.text}")
    return lines[:3]
