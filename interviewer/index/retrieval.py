"""Retrieval from the Chroma knowledge base: question candidates, reference answers with rubrics, passages.

The store has four collections, all cosine-space and filled with precomputed embeddings
(Chroma's default embedding function would try to download a model):

- ``questions``:  one record per bank question (text = question text)
- ``references``: one per question (text = reference answer)
- ``key_points``: one per rubric key point (text = key point text; weight, follow-up)
- ``passages``:   chunks of source documents and topic notes

A record's text is kept in its metadata under :data:`TEXT_KEY`, not as a Chroma document (stores
written before that keep it as the document; :func:`texts_of` reads either).

A :class:`KnowledgeBase` keeps what it has read (question rows, references, banks) while the
store is unchanged: each writer rewrites :attr:`Settings.store_version_path` before and after it
writes (:func:`mark_store_changed`), and a read first compares that file with what it kept.

Every record carries ``source`` (the file it came from) and ``source_hash`` (that file's
content hash) so that ingest can update or remove a file's records as a unit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from ..config import Settings
from ..errors import ConfigError, StoreCorruptError, StoreMissingError
from ..models import LEVELS, QuestionCard, Reference, RubricPoint

if TYPE_CHECKING:
    from ..scoring.offline import ReferenceIndex

COLLECTIONS = ("questions", "references", "key_points", "passages")
#: The metadata key that holds a record's text. Chroma's embedded store indexes every *document*
#: for full-text search (an SQLite FTS5 trigram table that no collection setting turns off); the
#: interviewer never searches by text, and that index was 0.9 s of the 2.3 s it took to write the
#: built-in bank's 3,777 records (measured with chromadb 1.5.9 on 2 cores), so the text is metadata.
TEXT_KEY = "text"
_SPACE = {"hnsw:space": "cosine"}
_T = TypeVar("_T")


def mark_store_changed(settings: Settings) -> None:
    """Rewrite the store's version file (:attr:`Settings.store_version_path`) with a new random
    token: every running :class:`KnowledgeBase` on this store drops what it kept. Writers call it
    before their first write and after their last. Nothing for a Chroma server. An unwritable
    folder is left alone (the write that follows fails with its own error)."""
    path = settings.store_version_path
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(uuid.uuid4().hex + "\n", encoding="utf-8")
    except OSError:
        pass


def open_client(settings: Settings, create: bool = False) -> Any:
    """Open Chroma: a server when ``settings.chroma_url`` is set, else the embedded store on disk.

    Args:
        create: make the on-disk directory if missing (ingest); otherwise a missing store
            raises StoreMissingError.

    Raises:
        ConfigError: the URL is malformed. StoreMissingError: no store yet.
        StoreCorruptError: the store or server cannot be opened.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                f"INTERVIEWER_CHROMA_URL={settings.chroma_url!r} is not a URL like http://127.0.0.1:8000; "
                "fix it or unset it to use the embedded store."
            )
        try:
            client = chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreCorruptError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}). Start it with "
                "`chroma run --path DIR --port PORT`, or unset INTERVIEWER_CHROMA_URL to use the embedded store."
            ) from None
        return client
    path = settings.chroma_dir
    if not create and not (path / "chroma.sqlite3").exists():
        raise StoreMissingError(
            f"No knowledge base at {path}. Build it with `interviewer ingest` "
            "(`make run` does this for you)."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Cannot create the knowledge base folder {path} ({exc.strerror or exc}). Point INTERVIEWER_HOME "
            "at a folder you can write to (or leave it unset for the default)."
        ) from None
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        # Chroma caches one client per path, even a half-built one: drop it so a rebuild can reopen.
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        raise StoreCorruptError(
            f"The knowledge base at {path} cannot be opened ({exc}). Rebuild it with "
            "`interviewer ingest --rebuild`; your interview sessions are stored apart and are not affected."
        ) from None


def collection(client: Any, name: str, create: bool = False, model: str | None = None) -> Any:
    """Get (or create) one of the store's collections, with no embedding function attached."""
    try:
        if create:
            meta = dict(_SPACE)
            if model:
                meta["embedding_model"] = model
            return client.get_or_create_collection(name, metadata=meta, embedding_function=None)
        return client.get_collection(name, embedding_function=None)
    except Exception as exc:
        if create:
            raise StoreCorruptError(
                f"Cannot create collection {name!r} in the knowledge base ({exc}). "
                "Rebuild it with `interviewer ingest --rebuild`."
            ) from None
        raise StoreMissingError(
            f"The knowledge base has no {name!r} collection. Build it with `interviewer ingest`."
        ) from None


def level_flags(levels: list[str]) -> dict[str, bool]:
    """Metadata flags ``level_junior`` .. ``level_staff`` (Chroma metadata holds scalars only)."""
    return {f"level_{lv}": lv in levels for lv in LEVELS}


def _vec(x: Any) -> list[float] | None:
    if x is None:
        return None
    return np.asarray(x, dtype=np.float32).tolist()


@dataclass
class Candidate:
    """A question the engine may ask, with its embedding (unit length) for similarity."""

    card: QuestionCard
    embedding: np.ndarray


class KnowledgeBase:
    """Read access to the ingested knowledge base.

    Args:
        client: a Chroma client from :func:`open_client`.

    Raises (at construction):
        StoreMissingError: a collection is missing or the bank collection is empty.
        StoreCorruptError: the store cannot be read.
    """

    def __init__(self, client: Any, version_file: Path | None = None):
        self.client = client
        self.version_file = version_file
        self._token: bytes | None = None
        self._kept: dict[Any, Any] = {}
        self.questions = collection(client, "questions")
        self.references = collection(client, "references")
        self.key_points = collection(client, "key_points")
        self.passages = collection(client, "passages")
        try:
            n = self.questions.count()
        except Exception as exc:
            raise StoreCorruptError(
                f"The knowledge base cannot be read ({exc}). Rebuild it with `interviewer ingest --rebuild`."
            ) from None
        if n == 0:
            raise StoreMissingError("The knowledge base has no questions. Build it with `interviewer ingest`.")

    def _keep(self, key: Any, load: Callable[[], _T]) -> _T:
        """``load()``, kept under ``key`` while the version file is unchanged. Read through (nothing
        kept) without a version file. The file is read before ``load`` runs, so data read during
        a write is kept under the token the writer replaces when it finishes."""
        try:
            token = self.version_file.read_bytes() if self.version_file is not None else None
        except OSError:
            token = None
        if token is None:
            return load()
        if token != self._token:
            self._token, self._kept = token, {}
        kept = self._kept
        if key not in kept:
            kept[key] = load()
        return kept[key]

    @property
    def embedding_model(self) -> str:
        """The embedding model the store was built with (from collection metadata)."""
        return str((self.questions.metadata or {}).get("embedding_model", ""))

    def banks(self) -> list[str]:
        """Names of the question banks in the store."""
        def load() -> list[str]:
            got = self.questions.get(include=["metadatas"])
            return sorted({m["bank"] for m in got["metadatas"]})

        return list(self._keep("banks", load))

    def bank_counts(self) -> dict[str, dict[str, int]]:
        """Per bank: ``{"questions": N, "practice_only": M, "stages": S}`` (M: imported without an answer)."""
        got = self.questions.get(include=["metadatas"])
        out: dict[str, dict[str, int]] = {}
        stages: dict[str, set[str]] = {}
        for m in got["metadatas"]:
            c = out.setdefault(m["bank"], {"questions": 0, "practice_only": 0, "stages": 0})
            c["questions"] += 1
            c["practice_only"] += bool(m.get("practice_only", False))
            stages.setdefault(m["bank"], set()).add(m["stage"])
        for name, st in stages.items():
            out[name]["stages"] = len(st)
        return dict(sorted(out.items()))

    def stages_of(self, banks: list[str]) -> list[str]:
        """The stages the given banks have questions for, in interview order."""
        from ..models import STAGES

        got = self.questions.get(where=_bank_clause(banks), include=["metadatas"])
        present = {m["stage"] for m in got["metadatas"]}
        return [s for s in STAGES if s in present]

    def candidates(
        self, *, bank: str | list[str], stage: str, level: str | None = None, exclude: set[str] | None = None
    ) -> list[Candidate]:
        """Questions of a bank (or of several: a list of names) and stage (and level, when given)
        not in ``exclude``, with embeddings. ``exclude`` holds question ids of any of the banks."""
        banks = [bank] if isinstance(bank, str) else list(bank)

        def load() -> list[Candidate]:
            clauses: list[dict] = [_bank_clause(banks), {"stage": stage}]
            if level:
                clauses.append({f"level_{level}": True})
            got = self.questions.get(where={"$and": clauses}, include=["metadatas", "documents", "embeddings"])
            out = [Candidate(card=_card(meta, doc), embedding=np.asarray(emb, dtype=np.float32))
                   for meta, doc, emb in zip(got["metadatas"], texts_of(got), got["embeddings"])]
            out.sort(key=lambda c: c.card.id)
            return out

        every = self._keep(("candidates", tuple(banks), stage, level or ""), load)
        return [c for c in every if c.card.id not in exclude] if exclude else list(every)

    def card(self, bank: str, question_id: str) -> Candidate:
        """One question by id. Raises KeyError if absent."""
        return self._keep(("card", bank, question_id), lambda: self._read_card(bank, question_id))

    def _read_card(self, bank: str, question_id: str) -> Candidate:
        got = self.questions.get(ids=[question_record_id(bank, question_id)], include=["metadatas", "documents", "embeddings"])
        if not got["ids"]:
            raise KeyError(question_id)
        return Candidate(
            card=_card(got["metadatas"][0], texts_of(got)[0]),
            embedding=np.asarray(got["embeddings"][0], dtype=np.float32),
        )

    def reference(self, bank: str, question_id: str) -> Reference:
        """The reference answer and rubric of a question, as stored (with embeddings).

        Raises:
            KeyError: the store has no reference for this question.
        """
        return self._keep(("reference", bank, question_id), lambda: self._read_reference(bank, question_id))

    def _read_reference(self, bank: str, question_id: str) -> Reference:
        ref = self.references.get(ids=[reference_record_id(bank, question_id)], include=["metadatas", "documents", "embeddings"])
        if not ref["ids"]:
            raise KeyError(question_id)
        q = self.questions.get(ids=[question_record_id(bank, question_id)], include=["documents", "metadatas", "embeddings"])
        kps = self.key_points.get(
            where={"$and": [{"bank": bank}, {"question_id": question_id}]},
            include=["metadatas", "documents", "embeddings"],
        )
        points = [
            RubricPoint(
                index=int(m["index"]),
                text=doc,
                weight=float(m["weight"]),
                follow_up=str(m["follow_up"]),
                embedding=_vec(e),
            )
            for m, doc, e in zip(kps["metadatas"], texts_of(kps), kps["embeddings"])
        ]
        points.sort(key=lambda p: p.index)
        meta = ref["metadatas"][0]
        return Reference(
            question_id=question_id,
            question_text=texts_of(q)[0] if q["ids"] else str(meta.get("question_text", "")),
            topic=str(meta["topic"]),
            reference_answer=texts_of(ref)[0],
            key_points=points,
            reference_embedding=_vec(ref["embeddings"][0]),
            question_embedding=_vec(q["embeddings"][0]) if q["ids"] else None,
        )

    def reference_index(self, bank: str) -> ReferenceIndex:
        """Every reference answer of a bank with its embedding and topic, for the scorer's
        check that an answer is not about another question."""
        from ..scoring.offline import ReferenceIndex

        got = self.references.get(where={"bank": bank}, include=["metadatas", "embeddings"])
        return ReferenceIndex(
            question_ids=[str(m["question_id"]) for m in got["metadatas"]],
            topics=[str(m["topic"]) for m in got["metadatas"]],
            vectors=np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["metadatas"]), -1),
        )

    def vocabulary_words(self) -> set[str]:
        """Every word of the store's documents (see :func:`store_words`)."""
        return store_words([self.questions, self.references, self.key_points, self.passages])

    def passages_for(self, embedding: list[float], k: int = 2, topic: str | None = None) -> list[dict]:
        """Top-k passages nearest to an embedding: ``[{"text", "source", "distance"}]``."""
        if self.passages.count() == 0:
            return []
        where = {"topic": topic} if topic else None
        got = self.passages.query(
            query_embeddings=[embedding], n_results=k, where=where, include=["documents", "metadatas", "distances"]
        )
        return [
            {"text": d, "source": m.get("source", ""), "distance": float(dist)}
            for d, m, dist in zip(texts_of({"documents": got["documents"][0], "metadatas": got["metadatas"][0]}),
                                  got["metadatas"][0], got["distances"][0])
        ]

    def stats(self) -> dict[str, int]:
        """Record count per collection."""
        return {
            "questions": self.questions.count(),
            "references": self.references.count(),
            "key_points": self.key_points.count(),
            "passages": self.passages.count(),
        }


def store_words(collections: list[Any]) -> set[str]:
    """Lower-cased words of every record's text in ``collections`` and of the key points' follow-ups:
    the knowledge base's vocabulary (:mod:`interviewer.scoring.vocabulary`). Reads texts and
    metadata only, in pages, so a large store costs memory for one page at a time."""
    from ..scoring.vocabulary import domain_words

    words: set[str] = set()
    for col in collections:
        total, page = col.count(), 2000
        for offset in range(0, total, page):
            got = col.get(include=["documents", "metadatas"], limit=page, offset=offset)
            words |= domain_words(texts_of(got))
            words |= domain_words(str(m.get("follow_up", "")) for m in got["metadatas"] if m)
    return words


def texts_of(got: dict) -> list[str]:
    """The text of each record in a Chroma ``get`` result (``got["documents"]`` and
    ``got["metadatas"]``, rows in step): the metadata's :data:`TEXT_KEY`, else the document (stores
    written before the text moved to metadata), else ``""``."""
    docs = got.get("documents") or [None] * len(got.get("metadatas") or [])
    metas = got.get("metadatas") or [None] * len(docs)
    return [str((m or {}).get(TEXT_KEY) or d or "") for d, m in zip(docs, metas)]


def question_record_id(bank: str, question_id: str) -> str:
    return f"q:{bank}:{question_id}"


def reference_record_id(bank: str, question_id: str) -> str:
    return f"r:{bank}:{question_id}"


def _bank_clause(banks: list[str]) -> dict:
    """A Chroma ``where`` clause for one bank or several (``$in``)."""
    return {"bank": banks[0]} if len(banks) == 1 else {"bank": {"$in": list(banks)}}


def _card(meta: dict, doc: str) -> QuestionCard:
    return QuestionCard(
        id=str(meta["question_id"]),
        text=doc,
        category=str(meta["category"]),
        topic=str(meta["topic"]),
        stage=meta["stage"],
        levels=json.loads(meta["levels"]),
        difficulty=int(meta["difficulty"]),
        bank=str(meta["bank"]),
        practice_only=bool(meta.get("practice_only", False)),
    )
