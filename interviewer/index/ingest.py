"""Ingest: embed the question bank and source documents into the Chroma knowledge base, incrementally.

A *source* is one file: a bank YAML file or a document (.md, .txt, .pdf). Each stored
record names its source and the source's content hash. Re-running ingest embeds only
sources whose hash changed, removes the records of sources whose file is gone, and
touches nothing else, so an unchanged re-run loads no model and takes about a second.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..bank.loading import bank_files, imported_bank_files, load_bank, load_imported_bank
from ..config import BUILTIN_BANK, Settings
from ..documents import expand_paths, file_hash, read_document, split_document
from ..embeddings import SentenceEmbeddings
from ..errors import BankError, ConfigError, DocumentError, StoreCorruptError
from ..models import LEVELS, ImportedBank
from .imported import store_bank
from .records import EMBED_BATCH, Record, TopicTagger, question_records, save_vocabulary, upsert, upsert_limit
from .retrieval import (
    COLLECTIONS,
    collection,
    level_flags,
    mark_store_changed,
    open_client,
)
from .vectors import with_shipped


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
        fresh = all(c.count() == 0 for c in cols.values())  # nothing to replace: add, not upsert
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
        writes = bool(pending or to_replace)
        if writes:
            mark_store_changed(settings)  # a running app re-reads the store from here on
            if marker is not None:
                marker.unlink(missing_ok=True)
        if pending:
            self._embed_and_add(cols, pending, TopicTagger(self.embedder, bank.taxonomy, bank), fresh=fresh)
            result.records.update(r.collection for r in pending)
        if writes or not settings.vocabulary_path.is_file():
            self._save_vocabulary(cols, only=pending if fresh else None)
        if marker is not None:
            marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%S%z") + "\n", encoding="utf-8")
        if writes:
            mark_store_changed(settings)
        result.seconds = time.perf_counter() - started
        return result

    def _save_vocabulary(self, cols: dict[str, Any], only: list[Record] | None = None) -> None:
        save_vocabulary(self.settings, cols, self.embedder.name, only=only)

    def add_bank(self, imported: ImportedBank) -> dict[str, int]:
        """Store an imported bank, all or nothing: :func:`interviewer.index.imported.store_bank`
        with this ingestor's settings and embedder (its docstring gives the errors)."""
        return store_bank(self.settings, self.embedder, imported, progress=self.progress)

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

    def _embed_and_add(self, cols: dict[str, Any], records: list[Record], tagger: TopicTagger, fresh: bool = False) -> None:
        from tqdm import tqdm

        limit = upsert_limit(next(iter(cols.values())))
        buffers: dict[str, list[tuple[Record, np.ndarray]]] = {}

        def flush(name: str) -> None:
            rows = buffers.pop(name, [])
            if rows:
                upsert(cols[name], [r for r, _ in rows], np.stack([v for _, v in rows]), limit, fresh=fresh)

        bar = tqdm(total=len(records), desc="Embedding", unit="text", disable=not self.progress, file=sys.stderr)
        try:
            for start in range(0, len(records), EMBED_BATCH):
                batch = records[start : start + EMBED_BATCH]
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
    """:attr:`Settings.ingest_marker`: ``chroma/.ingested`` once an ingest into the embedded store
    has finished; None for a Chroma server."""
    return settings.ingest_marker


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
