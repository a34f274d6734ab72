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
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..embeddings import SentenceEmbeddings
from ..models import Assessment, Flag, KeyPointResult, Reference, RubricPoint
from .features import (
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
from .vocabulary import Vocabulary, domain_words, tokens

__all__ = [
    "Scorer", "OfflineScorer", "ReferenceIndex", "derive_key_points", "split_sentences", "split_clauses",
    "content_words", "visible_assessment", "flag_message", "feedback_lines",
]

#: A key point is shown as covered when its best answer unit is at least this similar (cosine)
#: to it and it earns at least COVERED_CREDIT. On the bank, reference-answer sentences match
#: their own key points at p5 0.55, sentences of other topics' answers at p95 0.40
#: (evals/calibrate_scorer.py in its first version).
COVER_SIMILARITY, COVERED_CREDIT = 0.55, 0.5
#: In a rubric of RUBRIC_MIN_POINTS or more claims, a key point earns full credit only when
#: the answer addresses it: its credit is scaled from ADDRESS_FLOOR (best unit similarity at
#: or below ADDRESS_LOW) up to 1 (at ADDRESS_HIGH or above). On the bank, reference-answer
#: sentences match their own key points at p5 0.55 and other topics' sentences at p95 0.40
#: (evals/calibrate_scorer.py, first version). A reference of one or two sentences (the public
#: ASAG data, a follow-up's single point) is graded as a whole and not scaled.
RUBRIC_MIN_POINTS, ADDRESS_LOW, ADDRESS_HIGH, ADDRESS_FLOOR = 3, 0.40, 0.55, 0.25
#: Longest answer graded, in words (about 2,500: the issue's 2,000-word answers fit). Longer
#: ones are flagged ``too_long``, capped, and only their first part is read.
MAX_ANSWER_WORDS = 2_500
MAX_ANSWER_CHARS = 20_000
#: Code or notation in an answer: brackets, operators, arrows, digits.
_CODE = re.compile(r"[\[\](){}*&=+<>|]|->|\d")
#: An answer of fewer tokens than this that contains code is not judged on its vocabulary.
CODE_MAX_WORDS = 12
#: Question copy: an answer that adds no word to the question, repeats at least
#: COPY_MIN_SHARE of the question's content words and keeps their order, or one that repeats
#: NEAR_COPY_MIN_SHARE and adds one word the reference does not use. Picking words out of a
#: long scenario question is not a copy: with "no new word" alone, 39 of the 4,969 SciEntsBank
#: train answers were flagged and 36% of them were graded correct. Nor is turning the
#: question's term around ("a pointer to a function" for "What is a function pointer?",
#: 3.5 of 5 in mohler_dev.jsonl). Three or more of the question's own terms listed, and nothing
#: else, are a copy too ("linear, regression, logistic").
COPY_MIN_SHARE, NEAR_COPY_MIN_SHARE = 0.8, 0.8
#: An answer is gibberish when under this share of its tokens are words (see OfflineScorer.is_gibberish).
GIBBERISH_WORD_SHARE = 0.5
#: Fewest items for a bare keyword list (see :func:`is_keyword_list`).
KEYWORD_LIST_MIN_ITEMS = 5
#: Numbers, in digits or words.
NUMBER = re.compile(r"\b(?:\d+(?:\.\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b")
#: Score caps for flagged answers (0-5): a bare keyword list may show some knowledge.
FLAGGED_CAP = 1.0
FLAG_CAPS: dict[str, float] = {"keyword_list": 2.0}
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

_DONT_KNOW = re.compile(
    r"\b(i\s*(do\s*n[o']?t|dont|really\s+don'?t)\s+know|i\s+have\s+no\s+(idea|clue)|no\s+idea|not\s+sure|"
    r"no\s+clue|idk|dunno|i\s+can'?t\s+remember|i\s+don'?t\s+remember|i'?m\s+not\s+familiar|never\s+heard(\s+of\s+it)?|"
    r"i\s+give\s+up|no\s+comment)\b",
    re.IGNORECASE,
)
#: A whole answer that only declines ("pass", "skip", "next").
_DECLINE = re.compile(r"^\W*(pass|skip|next(\s+question)?|nothing|none|n/?a|no|no\s+answer|not\s+answered)\W*$", re.IGNORECASE)
#: Text addressed to the grader rather than the interviewer: prompt injection.
_TO_GRADER = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+|previous\s+|prior\s+|above\s+|earlier\s+)*"
    r"(instructions?|rubric|reference|criteria|grading|rules|prompt|key\s+points)\b"
    r"|\b(give|award|assign|grant)\s+(this\s+answer\s+|this\s+|me\s+|my\s+answer\s+|it\s+)?(a\s+|an\s+|the\s+)?"
    r"(full|perfect|maximum|max|top|highest|high|5|five)\s*(/\s*5\s*)?(marks?|score|points?|grade|credit|stars?|out\s+of)"
    r"|\b(give|award|score|grade|rate|mark)\b[^.!?\n]{0,40}\b(5|10|100)\s*(/|out\s+of)\s*(5|10|100)\b"
    r"|\b(dear|attention|note\s+to\s+(the\s+)?)\s*(grader|evaluator|assessor|examiner|scorer)\b"
    r"|\byou\s+(are|must|should|will)\s+(now\s+)?(grade|score|rate|mark|award|give\s+(this|me))\b"
    r"|\b(you|the\s+grader|the\s+evaluator|the\s+model)\s+(must|should|will)\s+(ignore|disregard)\b"
    r"|\b(system|assistant)\s*:\s*(you|ignore|grade|score|give)\b",
    re.IGNORECASE,
)
#: English function words, and those of the European languages most often mistaken for it.
_ENGLISH = frozenset("the and is are of to in that it for with as on be this by we you can or which not".split())
_FOREIGN = frozenset(
    "de la el que los las por para una del como "  # Spanish
    "le les des est et pour dans une du qui "  # French
    "der das und ist nicht mit ein eine zu von auf sich "  # German
    "il di che della sono gli non "  # Italian
    "não uma com".split()  # Portuguese
)  # words that are also English ("die", "per", "con", "pas") are left out


class Scorer(Protocol):
    """Grades one answer against a retrieved reference.

    ``focus`` (key-point indices) restricts the rubric, as for a follow-up that probes one
    missed point; ``question`` is what was asked (a follow-up's own wording, say).
    """

    name: str

    def score(
        self, answer: str, reference: Reference, *, question: str | None = None, focus: list[int] | None = None
    ) -> Assessment: ...


def derive_key_points(reference_answer: str, max_points: int = 6) -> list[str]:
    """Key points of a reference answer that has no rubric: its sentences (its main claims).

    A one-sentence reference is one key point; more than ``max_points`` sentences are merged
    pairwise, shortest neighbours first, so that each point stays a whole claim. Returns at
    least one point for any non-empty text.
    """
    points = split_sentences(reference_answer) or [reference_answer.strip()]
    while len(points) > max_points:
        i = min(range(len(points) - 1), key=lambda j: len(points[j]) + len(points[j + 1]))
        points[i : i + 2] = [f"{points[i]} {points[i + 1]}"]
    return points


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


@dataclass(frozen=True)
class Screen:
    """Outcome of screening an answer before semantic scoring."""

    flags: list[Flag]
    text: str  # the text to grade (truncated when too long)


class OfflineScorer:
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

    ``score`` returns an Assessment with score in [0, 5] (one decimal), one KeyPointResult
    per rubric point (or per focused point) with its credit, flags, and 2-3 feedback lines.
    It never raises on any string input.
    """

    name = "offline"

    def __init__(self, embedder: SentenceEmbeddings, model: ScorerModel | None = None, index: ReferenceIndex | None = None,
                 vocabulary: Vocabulary | None = None):
        self.embedder = embedder
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

    # ------------------------------------------------------------------ screening

    def is_gibberish(self, text: str, context: Sequence[str]) -> bool:
        """True for keyboard mashing or symbol noise: under half of the answer's tokens are
        words (:class:`~interviewer.scoring.vocabulary.Vocabulary`, with the words of ``context``: the
        question, reference answer and key points), or it has almost no tokens at all.

        Never for an answer that shares a content word (6-letter stem) with ``context``, nor
        for a short answer in code or notation ("a[i] = *(a+i)", "O(n log n)": in
        mohler_dev.jsonl such answers got 2-5 of 5 from the human graders).
        None of the 348 correct answers of the jargon suite (evals/jargon.py) is flagged, and
        all of its 40 mashing answers are; over the 21,077 answers of ../shared/evals/asag it
        flags 12, all graded low by the humans (evals/asag_table.py)."""
        known = {w[:STEM] for t in context for w in content_words(t or "")}
        if known & {w[:STEM] for w in content_words(text)}:
            return False
        toks = tokens(text)
        formula = bool(re.search(r"\d|[A-Za-z]\s*\(", text))  # "O(n log n)", "k = 5": not mashing
        code = bool(_CODE.search(text)) and len(toks) < CODE_MAX_WORDS
        if code:
            return False
        if not toks or len(toks) < 0.3 * len(text.split()):
            return not formula
        return self.vocabulary.share(toks, frozenset(domain_words(context))) < GIBBERISH_WORD_SHARE

    def screen(self, answer: str, question: str, reference: str = "", key_points: Sequence[str] | None = None) -> Screen:
        """Flags for answers that say nothing or game the grade; see :data:`~interviewer.models.Flag`."""
        text = unicodedata.normalize("NFKC", answer or "")
        flags: list[Flag] = []
        if len(text) > MAX_ANSWER_CHARS or len(text.split()) > MAX_ANSWER_WORDS:
            flags.append("too_long")
            text = " ".join(text[:MAX_ANSWER_CHARS].split()[:MAX_ANSWER_WORDS])
        if not any(ch.isalnum() for ch in text):
            return Screen(["empty", *flags], "")
        printable = sum(ch.isprintable() or ch in "\n\t" for ch in text)
        if printable < 0.9 * len(text) or (text.count("\ufffd") > 3 and "\ufffd" in text[:2000]):
            return Screen(["gibberish", *flags], text)
        letters = [ch for ch in text if ch.isalpha()]
        if len(letters) >= 10 and sum(ch.isascii() for ch in letters) < 0.5 * len(letters):
            return Screen(["not_english", *flags], text)  # another script: Cyrillic, CJK, Arabic...
        lowered = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
        if len(lowered) >= 6:
            english = sum(w in _ENGLISH for w in lowered) / len(lowered)
            foreign = sum(w in _FOREIGN for w in lowered) / len(lowered)
            if foreign >= 0.12 and foreign > 2 * english and foreign * len(lowered) >= 3:
                return Screen(["not_english", *flags], text)
        content = content_words(text)
        # A hedge is only "I don't know" when little else is said: "not sure, but L1 gives
        # sparse weights" is an answer.
        if _DECLINE.match(text) or (_DONT_KNOW.search(text) and len(content_words(_DONT_KNOW.sub(" ", text))) <= 3):
            flags.append("dont_know")
        if self.is_gibberish(text, [question, reference, *(key_points or [])]):
            flags.append("gibberish")
        if _TO_GRADER.search(text):
            flags.append("instruction_to_grader")
        if "gibberish" not in flags and is_keyword_list(text) and not _answers_a_list(text, reference):
            flags.append("keyword_list")
        if question and "gibberish" not in flags:
            q_words = set(content_words(question))
            new = [w for w in content if w not in q_words]
            ref_words = set(content_words(reference))
            # Question demoting (Mohler et al. 2011): words the question already contains earn
            # nothing; an answer that adds almost nothing else, and nothing of the reference
            # answer's, is the question pasted back ("Arrays are passed by reference" to "How
            # are arrays passed?" adds the one word that matters, so it is an answer).
            # A number the question lacks is an answer ("the base case is one").
            q_numbers = set(NUMBER.findall(question.lower()))
            new += [w for w in NUMBER.findall(text.lower()) if w not in q_numbers]
            # A copy repeats most of the question ("What is a tree?" pasted back); an answer that
            # only picks words out of a long question is an answer ("Max ran after the cat" to a
            # story that ends "What was Max's response?": SemEval graders marked it correct).
            # A near-copy repeats nearly all of the question's words and adds at most one, which
            # the reference does not use.
            share = len(q_words & set(content)) / len(q_words) if q_words else 0.0
            short_list = is_keyword_list(text, min_items=3)
            listed = len(content) >= 3 and short_list  # the question's own terms, listed
            if (content and not new and (listed or (share >= COPY_MIN_SHARE and _in_order(content, content_words(question))))) or (
                    len(content) >= 6 and share >= NEAR_COPY_MIN_SHARE and len(new) <= 1 and not (set(new) & ref_words)):
                flags.append("question_copy")
                if "keyword_list" not in flags and short_list:
                    flags.append("keyword_list")  # "linear, regression, logistic": the question's terms, listed
        return Screen(flags, text)

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
        if missing:
            vecs = self.embedder.encode(demoted_key_point_texts(asked, [p.text for p in missing]), batch_size=8)
            for p, v in zip(missing, vecs):
                self._demoted[(asked, p.text)] = v

    def _demoted_vectors(self, question: str, points: list[RubricPoint]) -> np.ndarray | None:
        """Cached embeddings of the key points without the question's words, or None when any
        is missing (they are then embedded in the same batch as the answer, and cached)."""
        try:
            return np.stack([self._demoted[(question, p.text)] for p in points])
        except KeyError:
            return None

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
            self._sentences[key] = (self.embedder.encode(sentences, batch_size=16) if sentences
                                  else np.zeros((0, 1), np.float32))
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


def _rubric(reference: Reference, question: str | None, focus: list[int] | None) -> tuple[list[RubricPoint], str]:
    """The key points graded (the focused ones, or all) and the question as asked."""
    points = [p for p in reference.key_points if focus is None or p.index in focus] or reference.key_points
    return points, question or reference.question_text


def score_cap(flags: Sequence[str]) -> float:
    """The highest score (0-5) an answer with these flags may get: the lowest of their caps
    (FLAG_CAPS, else FLAGGED_CAP), 5 when there are none."""
    return min((FLAG_CAPS.get(f, FLAGGED_CAP) for f in flags), default=5.0)


def _in_order(words: list[str], question_words: list[str]) -> bool:
    """True when ``words`` (repeats dropped) appear in ``question_words`` in the same order."""
    it = iter(question_words)
    return all(w in it for w in dict.fromkeys(words))


def is_keyword_list(text: str, min_items: int = KEYWORD_LIST_MIN_ITEMS) -> bool:
    """True for a bare list of terms: at least ``min_items`` items of at most 4 words each, and
    almost no function words (under 10% of the words), so nothing connects the terms.

    Three or four terms can be the whole answer to "which stages...?" (mohler_dev.jsonl has
    such answers graded 3.5-5 of 5); a rubric's keywords, two per key point, make five or more.
    The screen asks for only three when the terms are all the question's own words."""
    items = _list_items(text)
    words = WORD.findall(text)
    if len(items) < min_items or len(words) < 3:
        return False
    function = sum(w.lower() in STOPWORDS for w in words) / len(words)
    return max(len(i.split()) for i in items) <= 4 and function < 0.10


_ITEM_SEPARATORS = r"[,;/|\n\u2022]+|\s-\s|\band\b"


def _list_items(text: str, *, alternatives: bool = False) -> list[str]:
    """The items of a list written in a line: split at , ; / | newlines, bullets, " - " and
    "and" (and "or" with ``alternatives``)."""
    pattern = _ITEM_SEPARATORS + (r"|\bor\b" if alternatives else "")
    return [i.strip() for i in re.split(pattern, text) if i.strip()]


def _answers_a_list(answer: str, reference: str) -> bool:
    """True when the answer's list is an enumeration the reference itself makes: at least 80%
    of its items name an item of one reference sentence that lists three or more short items
    ("Facebook/Meta, Apple, Amazon, Netflix, Google" for "FAANG stands for Facebook (now Meta),
    Apple, Amazon, Netflix and Google"). Such a list answers a "name the ..." question; a
    rubric's keywords gathered from all over a reference are still a keyword list."""
    items = [set(w[:STEM] for w in content_words(i)) for i in _list_items(answer, alternatives=True)]
    items = [i for i in items if i]
    if not items:
        return False
    for sentence in split_sentences(reference) or [reference]:
        listed = [set(w[:STEM] for w in content_words(i)) for i in _list_items(re.sub(r"\([^)]*\)", " ", sentence), alternatives=True)
                  if len(i.split()) <= 4]
        listed = [i for i in listed if i]
        if len(listed) >= 3 and sum(any(i & r for r in listed) for i in items) >= 0.8 * len(items):
            return True
    return False


def _hint(point: RubricPoint, credit: float, evidence: str | None) -> str:
    """One line on what was missing from a key point."""
    if evidence and credit >= 0.25:
        return f"Partly there (\u201c{_clip(evidence)}\u201d); make the point explicit: {point.text}"
    return f"Missing: {point.text}"


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


_FLAG_MESSAGES: dict[str, str] = {
    "empty": "No answer was given, so there is nothing to grade.",
    "dont_know": "Saying you don't know is honest, but it earns no credit: in a real interview, reason out loud from what you do know.",
    "gibberish": "The answer could not be read as English text, so it was not graded.",
    "not_english": "The answer is not in English; the interview is graded in English.",
    "question_copy": "The answer repeats the question without adding anything; explain the idea in your own words.",
    "off_topic": "The answer is about something else; it does not address this question.",
    "too_long": f"Answers are graded up to {MAX_ANSWER_WORDS:,} words; keep to the points that matter.",
    "keyword_list": "A list of keywords without explanation does not show understanding; explain how the ideas connect.",
    "instruction_to_grader": "Instructions to the grader are ignored, and an answer that contains them is capped.",
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
