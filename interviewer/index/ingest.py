"""Ingest: embed the question bank and source documents into the Chroma knowledge base, incrementally.

A *source* is one file: a bank YAML file or a document (.md, .txt, .pdf). Each stored
record names its source and the source's content hash. Re-running ingest embeds only
sources whose hash changed, removes the records of sources whose file is gone, and
touches nothing else, so an unchanged re-run loads no model and takes about a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..bank.loading import Bank, bank_files, check_imported, imported_bank_files, load_bank, load_imported_bank, load_taxonomy
from ..config import BUILTIN_BANK, Settings
from ..documents import bytes_hash, expand_paths, file_hash, read_document, split_document
from ..embeddings import SentenceEmbeddings
from ..errors import BankError, BankImportError, ConfigError, DocumentError, StoreCorruptError
from ..models import LEVELS, ImportedBank, ImportedQuestion, Question, Taxonomy
from ..scoring.vocabulary import save_domain_words
from .retrieval import (
    COLLECTIONS,
    collection,
    level_flags,
    open_client,
    question_record_id,
    reference_record_id,
    store_words,
)
from .vectors import with_shipped

_ADD_BATCH = 256
#: Records per Chroma upsert: each call indexes its vectors and commits once, so few large calls
#: beat many small ones (the built-in bank's 3,777 records: 46 calls of 256 took about twice the
#: time of one call per collection). Capped by the client's own maximum batch size.
_UPSERT_BATCH = 4096


@dataclass
class Record:
    """One row to add: collection name, id, document, metadata (embedding computed later)."""

    collection: str
    id: str
    document: str
    metadata: dict[str, Any]


@dataclass
class IngestResult:
    """What an ingest run did: source files added/updated/removed/unchanged, records written, seconds."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    records: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


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


class Ingestor:
    """Brings the knowledge base in line with the bank and documents on disk.

    Args:
        settings: where the store lives and which embedding model to use.
        embedder: the embedding model (shared with the scorer when in one process).
        progress: show a progress bar on stderr while embedding.
        shipped: take the vectors shipped for the built-in knowledge where a text matches
            (:mod:`interviewer.index.vectors`); ``run(rebuild=True)`` embeds everything anew.
    """

    def __init__(self, settings: Settings, embedder: SentenceEmbeddings, progress: bool = True, shipped: bool = True):
        self.settings = settings
        self.model = embedder
        self.shipped = shipped
        self.embedder = with_shipped(embedder) if shipped else embedder
        self.progress = progress

    def run(
        self,
        documents: Iterable[Path] = (),
        *,
        rebuild: bool = False,
        bank_dir: Path | None = None,
        bank_name: str = BUILTIN_BANK,
    ) -> IngestResult:
        """Ingest the bank (``bank_dir``, default the built-in one), the topic notes and ``documents``.

        Raises:
            BankError: the bank does not validate (nothing is written).
            DocumentError: a given path does not exist (nothing is written). Unreadable
                files are reported in ``IngestResult.failed`` and skipped.
            StoreCorruptError: the store cannot be opened, or was built with another model.
        """
        started = time.perf_counter()
        settings = self.settings
        # --rebuild recomputes every vector; otherwise shipped vectors stand in where the text matches
        self.embedder = with_shipped(self.model) if (self.shipped and not rebuild) else self.model
        bank_dir = bank_dir or settings.bank_dir
        bank = load_bank(bank_dir, settings.taxonomy_path, name=bank_name)
        doc_paths = expand_paths([settings.notes_dir, *documents]) if settings.notes_dir.exists() else expand_paths(documents)

        try:
            client = open_client(settings, create=True)
        except StoreCorruptError:
            if not (rebuild and not settings.chroma_url):
                raise
            # Unreadable on disk: keep it aside (never delete what we cannot read) and start anew.
            aside = settings.chroma_dir.with_name(f"chroma.broken-{time.strftime('%Y%m%d-%H%M%S')}")
            settings.chroma_dir.rename(aside)
            print(f"The old knowledge base could not be read; moved it to {aside}.", file=sys.stderr)
            client = open_client(settings, create=True)
        if rebuild:
            for name in COLLECTIONS:
                try:
                    client.delete_collection(name)
                except Exception:  # absent already: nothing to delete
                    pass
        model_label = self.embedder.name
        cols = {name: collection(client, name, create=True, model=model_label) for name in COLLECTIONS}
        stored_model = (cols["questions"].metadata or {}).get("embedding_model")
        if stored_model and stored_model != model_label:
            raise StoreCorruptError(
                f"The knowledge base was built with the embedding model {stored_model!r}, not {model_label!r}. "
                "Run `interviewer ingest --rebuild` to re-embed everything with the current model."
            )

        stored = self._stored_sources(cols)
        result = IngestResult()
        taxonomy_hash = file_hash(settings.taxonomy_path)
        wanted: dict[str, str] = {}
        pending: list[Record] = []
        passage_sources: list[tuple[str, str, list[str]]] = []

        for path in bank_files(bank_dir):
            src, h = str(path.resolve()), file_hash(path, taxonomy_hash)
            wanted[src] = h
            if stored.get(src) == h:
                result.unchanged.append(src)
                continue
            for q in bank.questions:
                if bank.sources[q.id] == path:
                    pending.extend(question_records(q, bank.name, src, h))
            (result.updated if src in stored else result.added).append(src)

        # Imported banks: their YAML under the data directory is the source of truth, so a
        # rebuild (or a store on a new machine) gets them back.
        for path in imported_bank_files(settings.banks_dir):
            src, h = str(path.resolve()), file_hash(path, taxonomy_hash)
            wanted[src] = h
            if stored.get(src) == h:
                result.unchanged.append(src)
                continue
            try:
                imported = load_imported_bank(path, bank.taxonomy)
            except BankError as exc:  # keep what the store has of it: better stale than lost
                result.failed[src] = str(exc)
                continue
            for q in imported.questions:
                pending.extend(question_records(q, imported.name, src, h))
            (result.updated if src in stored else result.added).append(src)

        for path in doc_paths:
            src = str(path)
            try:
                h = file_hash(path)
            except OSError as exc:
                result.failed[src] = f"{path}: cannot be read ({exc})"
                continue
            wanted[src] = h
            if stored.get(src) == h:
                result.unchanged.append(src)
                continue
            try:
                chunks = split_document(read_document(path), path.suffix.lower())
            except DocumentError as exc:
                result.failed[src] = str(exc)
                wanted.pop(src)
                continue
            passage_sources.append((src, h, chunks))
            (result.updated if src in stored else result.added).append(src)

        # A stored source is removed when its file is gone; sources ingested earlier from
        # other paths stay until their file disappears (or --rebuild).
        # (A file that failed to read keeps its old records: better stale than lost.)
        result.removed = [src for src in stored if src not in wanted and not Path(src).exists()]

        for src, h, chunks in passage_sources:
            for i, text in enumerate(chunks):
                pending.append(
                    Record("passages", f"c:{hashlib.sha1(src.encode()).hexdigest()[:12]}:{i}", text,
                           {"source": src, "source_hash": h, "chunk": i})
                )

        # every record carries its source's record count, so a source cut off mid-write (a kill,
        # a full disk) is seen as incomplete by the next ingest and written again
        per_source = Counter(r.metadata.get("source") for r in pending)
        for r in pending:
            r.metadata["source_records"] = per_source[r.metadata.get("source")]

        to_replace = set(result.updated) | set(result.removed)
        for src in to_replace:
            for col in cols.values():
                col.delete(where={"source": src})

        marker = completion_marker(settings)
        if marker is not None and (pending or to_replace):
            marker.unlink(missing_ok=True)
        if pending:
            self._embed_and_add(cols, pending, TopicTagger(self.embedder, bank.taxonomy, bank))
            result.records.update(r.collection for r in pending)
        if pending or to_replace or not settings.vocabulary_path.is_file():
            self._save_vocabulary(cols)
        if marker is not None:
            marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%S%z") + "\n", encoding="utf-8")
        result.seconds = time.perf_counter() - started
        return result

    def _save_vocabulary(self, cols: dict[str, Any]) -> None:
        """Collect the store's words and keep them beside it, for the gibberish screen."""
        save_domain_words(self.settings.vocabulary_path, store_words(list(cols.values())), model=self.embedder.name)

    def add_bank(self, imported: ImportedBank) -> dict[str, int]:
        """Store an imported bank: its YAML under ``banks/`` and its records in Chroma, all or nothing.

        Everything that can fail on the input (validation, the embedding model) happens
        before anything is written. The swap then replaces any bank of the same name; if
        it fails midway the previous records and file are put back.

        Returns:
            Records written per collection.

        Raises:
            BankError: a topic is not in the taxonomy, a category does not match, ids repeat.
            BankImportError: the write failed; the previous bank (if any) is unchanged.
            StoreCorruptError: the store cannot be opened, or was built with another model.
        """
        settings = self.settings
        taxonomy = load_taxonomy(settings.taxonomy_path)
        problems = check_imported(imported, taxonomy, imported.name)
        if problems:
            raise BankError(problems)
        import yaml

        data = yaml.safe_dump(imported.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100).encode("utf-8")
        path = settings.banks_dir / f"{imported.name}.yaml"
        src = str(path.resolve())
        h = bytes_hash(data, file_hash(settings.taxonomy_path))
        records = [r for q in imported.questions for r in question_records(q, imported.name, src, h)]
        vectors = self._embed([r.document for r in records])

        client = open_client(settings, create=True)
        names = ("questions", "references", "key_points")
        cols = {name: collection(client, name, create=True, model=self.embedder.name) for name in COLLECTIONS}
        stored_model = (cols["questions"].metadata or {}).get("embedding_model")
        if stored_model and stored_model != self.embedder.name:
            raise StoreCorruptError(
                f"The knowledge base was built with the embedding model {stored_model!r}, not {self.embedder.name!r}. "
                "Run `interviewer ingest --rebuild` first, then import again."
            )
        where = {"bank": imported.name}
        previous = {n: cols[n].get(where=where, include=["documents", "metadatas", "embeddings"]) for n in names}
        settings.banks_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(data)
            for n in names:
                cols[n].delete(where=where)
            by_col: dict[str, list[int]] = {}
            for i, r in enumerate(records):
                by_col.setdefault(r.collection, []).append(i)
            for n, idx in by_col.items():
                for start in range(0, len(idx), _ADD_BATCH):
                    part = idx[start:start + _ADD_BATCH]
                    cols[n].upsert(ids=[records[i].id for i in part], documents=[records[i].document for i in part],
                                   metadatas=[records[i].metadata for i in part], embeddings=vectors[part])
            os.replace(tmp, path)
        except Exception as exc:
            for n in names:  # put back exactly what was there
                try:
                    cols[n].delete(where=where)
                    old = previous[n]
                    if old["ids"]:
                        cols[n].upsert(ids=old["ids"], documents=old["documents"], metadatas=old["metadatas"],
                                       embeddings=old["embeddings"])
                except Exception:  # the store itself is failing: report the first error below
                    pass
            tmp.unlink(missing_ok=True)
            raise BankImportError(
                f"Could not store the bank {imported.name!r} ({type(exc).__name__}: {exc}). Nothing was changed: "
                + ("the previous bank of that name is as it was." if previous["questions"]["ids"] else "no bank was added.")
                + " Check the disk space and the knowledge base (`interviewer ingest`), then import again."
            ) from exc
        try:
            self._save_vocabulary(cols)
        except OSError:  # the bank is stored; the runtime collects the words from the store instead
            self.settings.vocabulary_path.unlink(missing_ok=True)
        return dict(Counter(r.collection for r in records))

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed texts in batches with a progress bar; (len(texts), dim) unit rows."""
        from tqdm import tqdm

        parts = []
        with tqdm(total=len(texts), desc="Embedding", unit="text", disable=not self.progress, file=sys.stderr) as bar:
            for start in range(0, len(texts), _ADD_BATCH):
                chunk = texts[start:start + _ADD_BATCH]
                parts.append(self.embedder.encode(chunk))
                bar.update(len(chunk))
        return np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)

    @staticmethod
    def _stored_sources(cols: dict[str, Any]) -> dict[str, str]:
        """Source path -> the file hash its records were written from; ``""`` for a source with
        fewer records than it was written with (cut off mid-ingest), so it is written again."""
        stored: dict[str, str] = {}
        expected: dict[str, int] = {}
        found: Counter[str] = Counter()
        for col in cols.values():
            got = col.get(include=["metadatas"])
            for meta in got["metadatas"]:
                if meta and "source" in meta:
                    src = meta["source"]
                    stored[src] = meta["source_hash"]
                    found[src] += 1
                    if "source_records" in meta:  # absent in stores written before the count
                        expected[src] = int(meta["source_records"])
        for src, n in expected.items():
            if found[src] < n:
                stored[src] = ""
        return stored

    def _embed_and_add(self, cols: dict[str, Any], records: list[Record], tagger: TopicTagger) -> None:
        from tqdm import tqdm

        limit = _UPSERT_BATCH
        try:
            limit = min(limit, int(next(iter(cols.values()))._client.get_max_batch_size()))
        except Exception:  # a client without the call: the default is well under Chroma's limits
            pass
        buffers: dict[str, list[tuple[Record, np.ndarray]]] = {}

        def flush(name: str) -> None:
            rows = buffers.pop(name, [])
            if rows:
                cols[name].upsert(ids=[r.id for r, _ in rows], documents=[r.document for r, _ in rows],
                                  metadatas=[r.metadata for r, _ in rows], embeddings=np.stack([v for _, v in rows]))

        bar = tqdm(total=len(records), desc="Embedding", unit="text", disable=not self.progress, file=sys.stderr)
        try:
            for start in range(0, len(records), _ADD_BATCH):
                batch = records[start : start + _ADD_BATCH]
                vectors = self.embedder.encode([r.document for r in batch])
                passages = [i for i, r in enumerate(batch) if r.collection == "passages"]
                if passages:
                    tags = tagger.tag(vectors[passages])
                    for i, (topic, stage) in zip(passages, tags):
                        batch[i].metadata.update({"topic": topic, "stage": stage, **level_flags(list(LEVELS))})
                for r, v in zip(batch, vectors):
                    buffers.setdefault(r.collection, []).append((r, v))
                    if len(buffers[r.collection]) >= limit:
                        flush(r.collection)
                bar.update(len(batch))
            for name in list(buffers):
                flush(name)
        finally:
            bar.close()


def completion_marker(settings: Settings) -> Path | None:
    """The file an ingest into the embedded store writes when it has finished
    (``chroma/.ingested``), and removes before it writes anything; None for a Chroma server."""
    return None if settings.chroma_url else settings.chroma_dir / ".ingested"


def store_exists(settings: Settings) -> bool:
    """True when a knowledge base with questions is reachable and, on disk, its last ingest
    finished (:func:`completion_marker`): ``ingest --if-missing`` completes one that was cut off."""
    from ..errors import StoreMissingError
    from .retrieval import KnowledgeBase

    marker = completion_marker(settings)
    if marker is not None and not marker.is_file():
        return False
    try:
        KnowledgeBase(open_client(settings))
        return True
    except (StoreMissingError, StoreCorruptError, ConfigError):
        return False
