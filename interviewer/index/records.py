"""Records: what one bank question or passage becomes in Chroma, and how records are written.

Takes bank questions (built-in or imported) and their source file's hash; gives the
:class:`Record` rows of the ``questions``, ``references`` and ``key_points`` collections, the
topic tag of a passage (:class:`TopicTagger`), and :func:`upsert`, the one way records and their
vectors are written (in calls as large as Chroma takes).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..bank.loading import Bank
from ..config import Settings
from ..embeddings import SentenceEmbeddings
from ..models import ImportedQuestion, Question, Taxonomy
from ..scoring.vocabulary import save_domain_words
from .retrieval import TEXT_KEY, level_flags, question_record_id, reference_record_id, store_words

#: Texts per embedding call during ingest (and per progress-bar step).
EMBED_BATCH = 256
#: Records per Chroma upsert: each call indexes its vectors and commits once, so few large calls
#: beat many small ones (the built-in bank's 3,777 records: 46 calls of 256 took about twice the
#: time of one call per collection). Capped by the client's own maximum batch size.
UPSERT_BATCH = 4096


@dataclass
class Record:
    """One row to add: collection name, id, text (``document``), metadata (embedding computed later).

    The text is written into the metadata under :data:`~interviewer.index.retrieval.TEXT_KEY`
    (see there why not as a Chroma document)."""

    collection: str
    id: str
    document: str
    metadata: dict[str, Any]


def question_records(q: Question | ImportedQuestion, bank: str, source: str, source_hash: str) -> list[Record]:
    """The records of one bank question: the question, its reference answer, one per key point.

    A practice-only question (imported without an answer) has only its question record,
    marked ``practice_only``.
    """
    base = {"bank": bank, "question_id": q.id, "topic": q.topic, "stage": q.stage, "source": source, "source_hash": source_hash}
    flags = level_flags(list(q.levels))
    practice = q.reference_answer is None
    question = Record(
        "questions",
        question_record_id(bank, q.id),
        q.text,
        {**base, **flags, "category": q.category, "difficulty": q.difficulty, "levels": json.dumps(list(q.levels)),
         "practice_only": practice},
    )
    if practice:
        return [question]
    recs = [
        question,
        Record(
            "references",
            reference_record_id(bank, q.id),
            q.reference_answer,
            {**base, **flags, "question_text": q.text},
        ),
    ]
    for i, kp in enumerate(q.key_points):
        recs.append(
            Record(
                "key_points",
                f"k:{bank}:{q.id}:{i}",
                kp.text,
                {**base, "index": i, "weight": float(kp.weight), "follow_up": kp.follow_up},
            )
        )
    return recs


class TopicTagger:
    """Tags a passage with the nearest taxonomy topic and that topic's usual stage.

    The topic is the one whose name and description embed closest to the passage (cosine);
    its stage is the stage most bank questions on that topic belong to.
    """

    def __init__(self, embedder: SentenceEmbeddings, taxonomy: Taxonomy, bank: Bank | None):
        self.topics = taxonomy.topics
        self._matrix: np.ndarray | None = None
        self.embedder = embedder
        stages: dict[str, Counter] = {}
        for q in bank.questions if bank else []:
            stages.setdefault(q.topic, Counter())[q.stage] += 1
        self.stage_of = {t: c.most_common(1)[0][0] for t, c in stages.items()}

    def tag(self, vectors: np.ndarray) -> list[tuple[str, str]]:
        """(topic id, stage) for each row of ``vectors`` (unit embeddings)."""
        if self._matrix is None:
            self._matrix = self.embedder.encode([f"{t.name}. {t.description}" for t in self.topics])
        best = (vectors @ self._matrix.T).argmax(axis=1)
        out = []
        for i in best:
            topic = self.topics[int(i)].id
            out.append((topic, self.stage_of.get(topic, "ml_fundamentals")))
        return out


def upsert_limit(col: Any) -> int:
    """Records per upsert for ``col``'s client: :data:`UPSERT_BATCH`, or less where the client's
    maximum batch size is smaller."""
    try:
        return min(UPSERT_BATCH, int(col._client.get_max_batch_size()))
    except Exception:  # a client without the call: the default is well under Chroma's limits
        return UPSERT_BATCH


def upsert(col: Any, records: list[Record], vectors: np.ndarray, limit: int | None = None, fresh: bool = False) -> None:
    """Write ``records`` (all of one collection) with their ``vectors`` (len(records), dim) into
    ``col``, in calls of at most ``limit`` records (default :func:`upsert_limit`); each record's
    text goes into its metadata (:data:`~interviewer.index.retrieval.TEXT_KEY`). ``fresh``: the
    collection holds none of these ids, so a plain add does (about 7% quicker than an upsert,
    which looks each id up first). Raises what Chroma raises; the calls already made stay
    written (callers that need all or nothing undo)."""
    limit = limit or upsert_limit(col)
    write = col.add if fresh else col.upsert
    for start in range(0, len(records), limit):
        part = records[start:start + limit]
        write(ids=[r.id for r in part], metadatas=[{**r.metadata, TEXT_KEY: r.document} for r in part],
              embeddings=np.asarray(vectors[start:start + limit]))


def embed_texts(embedder: SentenceEmbeddings, texts: list[str], progress: bool = True) -> np.ndarray:
    """Embed texts in calls of :data:`EMBED_BATCH` with a progress bar on stderr; (len(texts), dim)
    unit rows (shape (0, 1) for no texts). Raises what the embedder raises."""
    from tqdm import tqdm

    parts = []
    with tqdm(total=len(texts), desc="Embedding", unit="text", disable=not progress, file=sys.stderr) as bar:
        for start in range(0, len(texts), EMBED_BATCH):
            chunk = texts[start:start + EMBED_BATCH]
            parts.append(embedder.encode(chunk))
            bar.update(len(chunk))
    return np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)


def save_vocabulary(settings: Settings, cols: dict[str, Any], model: str, only: list[Record] | None = None) -> None:
    """Collect the store's words and keep them beside it (``settings.vocabulary_path``), for the
    gibberish screen. ``only``: the records just written into a store that held nothing else, whose
    words are taken from memory rather than read back (the same words as
    :func:`~interviewer.index.retrieval.store_words`: texts and follow-ups). Raises OSError when
    the file cannot be written."""
    if only is None:
        words = store_words(list(cols.values()))
    else:
        from ..scoring.vocabulary import domain_words

        words = domain_words(r.document for r in only) | domain_words(str(r.metadata.get("follow_up", "")) for r in only)
    save_domain_words(settings.vocabulary_path, words, model=model)
