"""Answer features for the offline scorer: how well an answer matches each rubric key point.

For one answer and a rubric of K key points, :func:`key_point_features` returns a (K, F)
matrix; the fitted model in :mod:`interviewer.scoring.model` turns each row into the credit
(0-1) that key point earns. Every feature is on a fixed scale, so one model serves a short
reference of one sentence (the public ASAG data) and a bank rubric of five claims alike.

The features, with where each idea comes from:

- ``sem``: best cosine similarity between the key point and an answer *unit* (a sentence, a
  clause of a long sentence, or two adjacent sentences). Sentence alignment: Sultan, Salazar
  and Sumner (2016), "Fast and easy short answer grading with high accuracy", NAACL.
- ``whole``: cosine similarity of the whole answer and the key point: the answer-to-reference
  similarity baseline of Mohler, Bunescu and Mihalcea (2011), "Learning to grade short answer
  questions using semantic similarity measures and dependency graph alignments", ACL.
- ``demoted``: the same similarity after removing every word the question already contains
  from both texts: *question demoting* (Mohler et al. 2011), so that echoing the question
  earns nothing.
- ``soft_recall``: mean, over the key point's question-demoted content words, of the best
  cosine between that word's static token vector and an answer word's: word alignment with
  word embeddings (Sultan et al. 2016), here with the embedding model's own input vectors.
- ``exact_recall``: share of the key point's question-demoted content words (6-letter
  stems) that appear in the answer: lexical overlap (Mohler et al. 2011).
- ``precision``: mean, over the answer's question-demoted content words, of the best static
  cosine to a word of the rubric or reference: how much of the answer is on the subject
  (the "answer side" of Sultan et al.'s alignment F-measure).
- ``term_precision``: share of the answer's question-demoted *terms* (content words, and
  identifiers such as "L1", "int8", "p99", "BM25" or two-letter acronyms, by 6-letter stem)
  that the rubric or reference also uses, an acronym counting when the reference spells it
  out ("LIFO" for "last-in first-out"); 0 when the answer adds no term to the question.
  The exact counterpart of ``precision``: a one-word jargon answer ("L1", "XGBoost") that
  names the reference's own term scores 1, an answer to another question near 0 (lexical
  overlap, Mohler et al. 2011, read from the answer's side).
- ``log_words``: log(1 + answer words), capped at 300 words: length (Sultan et al. 2016 use
  the answer-to-reference length ratio; a ratio to a long bank reference would punish
  concise answers, so the length itself is used).
- ``hedges``: 1 when the answer has a hedging cue such as "I think" or "maybe", else 0
  (Hyland 1996, "Talking to the academy: forms of hedging in science research articles").
  Hedged answers are about 1% of mohler_dev.jsonl, so a count would be extrapolated far
  beyond the data the coefficient was fitted on; presence is all the data can support.

The text helpers the features read (sentences, content words, terms, question demoting) are
:mod:`interviewer.scoring.text`; their names are importable from here too.
"""

from __future__ import annotations

import copy
import math
import re
import threading
from dataclasses import dataclass

import numpy as np

from ..embeddings import SentenceEmbeddings
from .text import (  # noqa: F401  (CLAUSE_SPLIT_WORDS, STOPWORDS, WORD: re-exported)
    CLAUSE_SPLIT_WORDS,
    STEM,
    STOPWORDS,
    WORD,
    content_words,
    demote,
    demoted_key_point_texts,
    demoted_key_point_words,
    initialisms,
    split_clauses,
    split_sentences,
    terms,
)
from .vocabulary import TOKEN, acronym

FEATURES: tuple[str, ...] = (
    "sem", "whole", "demoted", "soft_recall", "exact_recall", "precision", "term_precision", "log_words", "hedges",
)
#: An answer of at most this many words is embedded whole, as units: the bank's reference
#: answers are p50 183, p95 216, max 231 words, so a candidate who gives an answer of
#: reference length has every sentence read. Until 2026-12-03 the limit was 20 units, and a
#: reference-length answer of long sentences (each cut into clauses) kept 3 of its 9
#: sentences: 43 of the 519 reference answers, scored as answers, left a key point uncovered
#: (mlf-pca-tsne-umap 3.8 of 5), and a candidate who gave the reference answer got a follow-up.
MAX_UNIT_WORDS = 240
#: A longer answer keeps this many words of its sentences (see :func:`answer_units`).
#: Embedding cost grows with the words embedded, not with the number of units, so the budget
#: is in words; 200 words keeps a 2,000-word answer's scoring time where the 20-unit limit
#: had it (p50 177 / p95 191 ms on 2 cores on 2026-12-03, evals/bench_scoring.py).
PRUNED_UNIT_WORDS = 200
#: At most this many units whatever their length (a list of one-word items is many units).
MAX_UNITS = 40
#: The question-demoted answer is embedded from its first this many content words.
DEMOTED_WORDS = 64
#: Answers up to this many words are embedded whole; longer ones by their mean unit vector
#: (one long sequence costs more than its sentences: attention is quadratic in length).
WHOLE_ANSWER_WORDS = 60
#: Length is capped here (words): longer answers gain nothing for being longer.
LENGTH_CAP_WORDS = 300

HEDGE = re.compile(
    r"\b(i\s+think|i\s+believe|i\s+guess|maybe|perhaps|probably|possibly|not\s+sure|i'?m\s+not\s+certain|"
    r"kind\s+of|sort\s+of|might\s+be|could\s+be)\b",
    re.IGNORECASE,
)


class WordVectors:
    """Static word vectors: the mean of a word's WordPiece input embeddings in the sentence
    model (unit length). No forward pass, so thousands of words cost about a millisecond.

    Models without a WordPiece input embedding table give ``available == False``; the
    word-level features then fall back to exact matches.
    """

    def __init__(self, embedder: SentenceEmbeddings):
        self._embedder = embedder
        self._matrix: np.ndarray | None = None
        self._tokenizer = None
        self._tokenizer_lock = threading.Lock()
        self._cache: dict[str, np.ndarray | None] = {}
        self.available = True

    def _load(self) -> None:
        if self._matrix is not None or not self.available:
            return
        try:
            model = self._embedder._load()
            # A copy of its own: a Hugging Face tokenizer keeps padding and truncation as state
            # that each call sets, so sharing the model's with the forward pass running in
            # another thread (the UI grades several answers at once) made that pass fail with
            # "Unable to create tensor ... activate padding" (4 of 20 sessions in
            # evals/bench_concurrency.py --sessions 20). The lock serialises this class's calls.
            self._tokenizer = copy.deepcopy(model.tokenizer)
            self._matrix = model[0].auto_model.embeddings.word_embeddings.weight.detach().cpu().numpy()
        except Exception:  # not a BERT-like model: exact matches only
            self.available = False

    def matrix(self, words: list[str]) -> np.ndarray:
        """(len(words), dim) unit vectors; a zero row for a word with no vector."""
        self._load()
        if not self.available or not words:
            return np.zeros((len(words), 1), dtype=np.float32)
        rows = []
        for w in words:
            v = self._cache.get(w)
            if v is None and w not in self._cache:
                with self._tokenizer_lock:
                    ids = self._tokenizer(w, add_special_tokens=False)["input_ids"]
                if ids:
                    v = self._matrix[ids].mean(axis=0)
                    v = (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)
                self._cache[w] = v
            rows.append(v if v is not None else np.zeros(self._matrix.shape[1], dtype=np.float32))
        return np.stack(rows)


@dataclass
class Units:
    """An answer cut into units for alignment.

    ``sentences`` in answer order; ``texts`` are what the model embeds: a short sentence
    itself, or the clauses of a long one (``owner[i]`` is the sentence index of text i). A long
    sentence's vector is the normalised mean of its clauses' vectors, so it costs no extra
    model time.
    """

    sentences: list[str]
    texts: list[str]
    owner: list[int]


def answer_units(text: str, key_point_stems: list[set[str]], words: int = MAX_UNIT_WORDS,
                 limit: int = MAX_UNITS, pruned: int = PRUNED_UNIT_WORDS) -> Units:
    """Sentences (or the clauses of long sentences) of an answer: all of them for an answer of at
    most ``words`` words and ``limit`` texts, else at most ``pruned`` words of them.

    A longer answer keeps, in answer order, a cheap lexical pre-selection so that
    scoring time stays bounded however long the answer is: first each key point's best
    sentences in turn (round robin over the key points, by the stems a sentence shares with
    that key point), so that no key point loses the sentence that speaks to it to sentences
    that share many words with the others; then the rest by stems shared with the whole
    rubric. ``key_point_stems`` is one set of word stems per key point.
    """
    sentences = split_sentences(text) or [text.strip()]
    parts = [split_clauses(s) or [s] for s in sentences]
    lengths = [len(s.split()) for s in sentences]
    if sum(lengths) > words or sum(len(p) for p in parts) > limit:
        stems = [{w[:STEM] for w in content_words(s)} for s in sentences]
        rubric = set().union(*key_point_stems) if key_point_stems else set()
        ranked = [sorted((i for i in range(len(sentences)) if stems[i] & kp), key=lambda i: -len(stems[i] & kp))
                  for kp in key_point_stems]
        order = [ranks[r] for r in range(max(map(len, ranked), default=0)) for ranks in ranked if r < len(ranks)]
        order += sorted(range(len(sentences)), key=lambda i: -len(stems[i] & rubric))
        keep: list[int] = []
        n_words = n_units = 0
        for i in order:
            if i in keep:
                continue
            if keep and (n_words + lengths[i] > pruned or n_units + len(parts[i]) > limit):
                continue
            keep.append(i)
            n_words, n_units = n_words + lengths[i], n_units + len(parts[i])
        keep.sort()
        sentences, parts = [sentences[i] for i in keep], [parts[i] for i in keep]
    texts = [t for p in parts for t in p]
    owner = [i for i, p in enumerate(parts) for _ in p]
    return Units(sentences=sentences, texts=texts, owner=owner)


@dataclass
class Alignment:
    """Features of one answer against one rubric: ``matrix`` (K, F) in :data:`FEATURES`
    order, ``evidence[k]`` the answer text that best matches key point k, and the answer's
    whole-vector similarity to the reference (``reference_similarity``, -1..1); the answer's
    vector and the key points' question-demoted vectors come back for reuse."""

    matrix: np.ndarray
    evidence: list[str]
    reference_similarity: float
    answer_vector: np.ndarray
    demoted_key_point_vectors: np.ndarray
    #: (K,) per key point, how distinctly some answer unit speaks to it: the best over units
    #: of ``2 * sim(unit, k) - max_j sim(unit, j)``, the unit's similarity to k lowered by how
    #: much closer it is to another key point. A unit that states one key point scores ~1 on
    #: it and little on its neighbours, so one sentence does not address a whole rubric of
    #: related points (a bias-variance rubric: every point mentions training error).
    distinct: np.ndarray | None = None
    #: (K,) the same against the key points' question-demoted vectors: what a unit says of a
    #: key point beyond the question's own words, which every key point may repeat.
    distinct_demoted: np.ndarray | None = None


def key_point_features(
    embedder: SentenceEmbeddings,
    words: WordVectors,
    answer: str,
    question: str,
    key_points: list[str],
    key_point_vectors: np.ndarray | None,
    reference: str,
    reference_vector: np.ndarray | None,
    demoted_key_point_vectors: np.ndarray | None = None,
    anchor_vectors: np.ndarray | None = None,
) -> Alignment:
    """Compute the (K, F) feature matrix of ``answer`` against ``key_points``.

    Args:
        key_point_vectors: (K, dim) unit embeddings of the key points, or None to embed them.
        reference_vector: unit embedding of the reference answer, or None to embed it.
        demoted_key_point_vectors: (K, dim) embeddings of the key points with question words
            removed (cached by the caller), or None to embed them here.
        anchor_vectors: (K, dim) unit embeddings of each key point's *anchor*, the reference
            sentence that states it (:func:`anchor_vectors`), or None. An answer unit's
            similarity to a key point is then the larger of its similarity to the key point
            and to the anchor: a rubric line written about the answer ("names the skill they
            know best and backs it with detail") is matched through the reference sentence
            that does it, as sentence alignment of answer and reference does in Sultan, Salazar
            and Sumner (2016, "Fast and easy short answer grading with high accuracy"). When the
            key points are the reference's sentences (public ASAG data) the anchor is the key
            point itself and nothing changes.

    One batched call to the sentence model embeds the answer's units, the whole answer (when
    short) and the question-demoted answer, plus whatever vectors were not passed in.
    """
    q_words = set(content_words(question))
    kp_words = demoted_key_point_words(q_words, key_points)
    kp_stems = [{w[:STEM] for w in ws} for ws in kp_words]
    rubric_stems = set().union(*kp_stems)
    units = answer_units(answer, kp_stems)
    n_words = len(answer.split())
    answer_demoted = demote(answer, q_words)

    texts = list(units.texts)
    whole_i = None
    short = n_words <= WHOLE_ANSWER_WORDS
    if short:
        whole = answer.strip()
        if whole not in texts:  # an answer of one unit is that unit: embedded once
            texts.append(whole)
        whole_i = texts.index(whole)
    others = [" ".join(answer_demoted[:DEMOTED_WORDS]) or "."]
    if key_point_vectors is None:
        others += key_points
    if demoted_key_point_vectors is None:
        others += demoted_key_point_texts(question, key_points)
    if reference_vector is None:
        others.append(reference)
    if short and len(others) == 1:
        # A short answer with its rubric's vectors given (the app's case) is one model call:
        # the demoted answer is no longer than the whole answer already in it. Measured
        # 2026-12-06 on 2 cores for 20 one- and two-sentence answers: 21 ms of CPU an answer,
        # against 45 ms for two calls with the one-sentence answer embedded twice.
        both = embedder.encode(texts + others, batch_size=8)
        vecs, other_vecs = both[: len(texts)], both[len(texts):]
    else:
        # A long answer's units are short and alike: small sorted batches pad least. The longer
        # texts go in a second call, so they do not pad the units' batches (measured: 64 ms
        # against 93 ms for one call, for a 150-word answer on 2 cores).
        vecs = embedder.encode(texts, batch_size=8)
        other_vecs = embedder.encode(others, batch_size=8)
    demoted_vec = other_vecs[0]
    extra = iter(other_vecs[1:])
    kp_vecs = np.stack([next(extra) for _ in key_points]) if key_point_vectors is None else np.asarray(key_point_vectors, np.float32)
    dkp_vecs = (np.stack([next(extra) for _ in key_points]) if demoted_key_point_vectors is None
                else np.asarray(demoted_key_point_vectors, np.float32))
    ref_vec = next(extra) if reference_vector is None else np.asarray(reference_vector, np.float32)

    text_vecs = vecs[: len(units.texts)]
    owner = np.asarray(units.owner)
    n_sent = len(units.sentences)
    sent_vecs = np.zeros((n_sent, text_vecs.shape[1]), dtype=np.float32)
    np.add.at(sent_vecs, owner, text_vecs)
    sent_vecs /= np.maximum(np.linalg.norm(sent_vecs, axis=1, keepdims=True), 1e-9)
    split = [i for i in range(len(units.texts)) if np.sum(owner == owner[i]) > 1]  # clauses of long sentences
    # A pair's vector is the normalised sum of its sentences' vectors: close to embedding the
    # pair, at no model cost.
    pairs = sent_vecs[:-1] + sent_vecs[1:]
    pairs = pairs / np.maximum(np.linalg.norm(pairs, axis=1, keepdims=True), 1e-9)
    all_vecs = np.concatenate([sent_vecs, text_vecs[split], pairs])
    shown = units.sentences + [units.sentences[owner[i]] for i in split] + [
        f"{a} {b}" for a, b in zip(units.sentences, units.sentences[1:])]
    if whole_i is not None:
        answer_vec = vecs[whole_i]
    else:
        answer_vec = sent_vecs.mean(axis=0)
        answer_vec = answer_vec / (np.linalg.norm(answer_vec) or 1.0)

    sims = all_vecs @ kp_vecs.T  # (units, K)
    if anchor_vectors is not None:
        sims = np.maximum(sims, all_vecs @ np.asarray(anchor_vectors, np.float32).T)
    best = sims.argmax(axis=0)
    sem = sims.max(axis=0)
    whole = kp_vecs @ answer_vec
    demoted = dkp_vecs @ demoted_vec

    ans_w = answer_demoted[:LENGTH_CAP_WORDS * 2] or ["none"]
    a_mat = words.matrix(ans_w)
    ans_stems = {w[:STEM] for w in ans_w}
    soft, exact = [], []
    for ws in kp_words:
        ws = ws or ["none"]
        soft.append(float((words.matrix(ws) @ a_mat.T).max(axis=1).mean()) if words.available else 0.0)
        exact.append(sum(w[:STEM] in ans_stems for w in ws) / len(ws))
    vocab = sorted({w for ws in kp_words for w in ws} | set(demote(reference, q_words))) or ["none"]
    precision = float((a_mat @ words.matrix(vocab).T).max(axis=1).mean()) if words.available else (
        sum(w[:STEM] in rubric_stems for w in ans_w) / len(ans_w))
    q_terms = {w[:STEM] for w in terms(question)}
    known_terms = {w[:STEM] for t in (*key_points, reference) for w in terms(t)}
    # An acronym counts as the reference's term when the reference spells it out ("LIFO").
    spelled = initialisms(" ".join((*key_points, reference)))
    known_terms |= {a for a in (acronym(t) for t in TOKEN.findall(answer)) if a and a in spelled}
    answer_terms = [w[:STEM] for w in terms(answer) if w[:STEM] not in q_terms]
    term_precision = sum(w in known_terms for w in answer_terms) / len(answer_terms) if answer_terms else 0.0
    log_words = math.log1p(min(n_words, LENGTH_CAP_WORDS))
    hedges = 1.0 if HEDGE.search(answer) else 0.0

    k = len(key_points)
    matrix = np.column_stack([
        sem, whole, demoted, soft, exact,
        np.full(k, precision), np.full(k, term_precision), np.full(k, log_words), np.full(k, hedges),
    ]).astype(np.float32)
    # Evidence: a single sentence when it is nearly as good as the best unit.
    evidence = []
    for j in range(k):
        i = int(best[j])
        single = int(sims[:n_sent, j].argmax())
        evidence.append(shown[single] if sims[single, j] >= sims[i, j] - 0.03 else shown[i])
    return Alignment(matrix, evidence, float(answer_vec @ ref_vec), answer_vec, dkp_vecs,
                     _distinctness(sims), _distinctness(all_vecs @ dkp_vecs.T))


def _distinctness(sims: np.ndarray) -> np.ndarray:
    """(K,) from (units, K) similarities: per key point, the best over units of
    ``2 * sim(unit, k) - max_j sim(unit, j)`` (see :attr:`Alignment.distinct`)."""
    return (2 * sims - sims.max(axis=1, keepdims=True)).max(axis=0)


#: A reference sentence anchors a key point only when it is at least this similar (cosine) to
#: it: below, no sentence of the reference is closer to the key point than an unrelated
#: sentence would be, and the key point stands alone. On the bank (python
#: evals/calibrate_anchors.py, 2,586 key points): a key point's best sentence in its own
#: reference reaches p5 0.47 / p50 0.73 and 99.4% reach 0.30; the best sentence of another
#: question's reference reaches p50 0.23 / p90 0.35, and 23% reach 0.30.
ANCHOR_MIN_SIMILARITY = 0.30


def anchor_vectors(key_point_vectors: np.ndarray, sentence_vectors: np.ndarray) -> np.ndarray:
    """Each key point's anchor: the unit embedding of the reference sentence closest to it.

    Args:
        key_point_vectors: (K, dim) unit embeddings of the key points.
        sentence_vectors: (S, dim) unit embeddings of the reference answer's sentences.

    Returns:
        (K, dim): per key point, its closest reference sentence's vector when that is at least
        :data:`ANCHOR_MIN_SIMILARITY` similar, otherwise the key point's own vector.
    """
    kp = np.asarray(key_point_vectors, np.float32)
    if len(sentence_vectors) == 0:
        return kp
    sims = kp @ np.asarray(sentence_vectors, np.float32).T
    best = sims.argmax(axis=1)
    out = np.asarray(sentence_vectors, np.float32)[best].copy()
    weak = sims.max(axis=1) < ANCHOR_MIN_SIMILARITY
    out[weak] = kp[weak]
    return out
