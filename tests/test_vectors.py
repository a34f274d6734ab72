"""Shipped vectors: a new data directory is built from the vectors in knowledge/vectors/, which must
cover every built-in text and agree with the model; --rebuild embeds everything anew."""

from __future__ import annotations

import numpy as np

from interviewer.config import Settings
from interviewer.embeddings import DEFAULT_MODEL_LABEL
from interviewer.index.ingest import Ingestor
from interviewer.index.ship import missing_texts
from interviewer.index.vectors import VectorCache


class Counting:
    """Stands in for the model (random unit vectors, same name), counting the texts it had to embed."""

    name = DEFAULT_MODEL_LABEL
    dimension = 384

    def __init__(self):
        self.texts = 0
        self.rng = np.random.default_rng(0)

    def encode(self, texts, batch_size=None):
        self.texts += len(texts)
        v = self.rng.standard_normal((len(texts), self.dimension)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_every_builtin_text_has_a_shipped_vector():
    missing = missing_texts(DEFAULT_MODEL_LABEL)
    assert not missing, (f"{len(missing)} built-in text(s) changed without new vectors, e.g. {missing[0][:80]!r}: "
                         "run `make vectors` and commit knowledge/vectors/")


def test_shipped_vectors_are_the_models_own(bank, embedder):
    cache = VectorCache.for_model(embedder.name)
    assert cache is not None and len(cache) > 3000
    texts = [q.text for q in bank.questions[::25]] + [q.key_points[0].text for q in bank.questions[::40]]
    rows = cache.lookup(texts)
    assert all(r is not None for r in rows)
    shipped = cache.vectors[rows].astype(np.float32)
    fresh = embedder.encode(texts)
    cosines = (shipped * fresh).sum(axis=1) / np.linalg.norm(shipped, axis=1)
    assert cosines.min() > 0.999


def test_a_fresh_data_directory_embeds_only_what_is_not_shipped(tmp_path):
    counting = Counting()
    doc = tmp_path / "mine.md"
    doc.write_text("# My notes\n\nGradient checkpointing trades compute for memory by recomputing activations.\n")
    result = Ingestor(Settings(home=tmp_path / "home"), counting, progress=False).run([doc])
    assert result.records["questions"] > 500
    assert counting.texts == 1, "only the user's own passage is embedded"
    rebuilt = Counting()
    Ingestor(Settings(home=tmp_path / "home"), rebuilt, progress=False).run([doc], rebuild=True)
    assert rebuilt.texts > 3000, "--rebuild recomputes every vector"


class Spy:
    """Passes texts to the real model, counting them."""

    def __init__(self, inner):
        self.inner, self.texts = inner, []

    def __getattr__(self, name):  # the model's name, tokenizer and the rest
        return getattr(self.inner, name)

    def encode(self, texts, batch_size=None):
        self.texts += list(texts)
        return self.inner.encode(texts, batch_size=batch_size)


def test_the_first_answer_to_a_builtin_question_embeds_only_the_answer(runtime, embedder):
    from interviewer.scoring.features import split_sentences
    from interviewer.scoring.offline import OfflineScorer

    cache = VectorCache.for_model(embedder.name)
    ref = runtime.kb.reference("builtin", "mlf-bias-variance-tradeoff")
    answer = ("High bias means the model is too simple and underfits; high variance means it fits noise "
              "and overfits. More data or regularization lowers variance.")
    spy = Spy(embedder)
    shipped = OfflineScorer(spy, shipped=cache.vectors_for).score(answer, ref, question=ref.question_text)
    reference_sentences = set(split_sentences(ref.reference_answer))
    assert spy.texts and not reference_sentences & set(spy.texts), "the rubric came from the shipped vectors"
    assert len(spy.texts) < 15, "only the answer's units (and its words) were embedded"
    fresh = OfflineScorer(embedder).score(answer, ref, question=ref.question_text)
    assert abs(shipped.score - fresh.score) <= 0.1
    assert [r.covered for r in shipped.key_points] == [r.covered for r in fresh.key_points]
