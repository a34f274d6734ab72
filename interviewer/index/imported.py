"""Storing an imported bank in the knowledge base: its YAML under ``banks/`` and its records in
Chroma, all or nothing.

Takes an :class:`~interviewer.models.ImportedBank` (from :mod:`interviewer.bank.importing`), the
settings (where the store lives) and the embedder; gives the records written per collection. Later ingests read the YAML back, so a rebuild keeps the bank.
"""

from __future__ import annotations

import os
from collections import Counter

from ..bank.loading import check_imported, load_taxonomy
from ..config import Settings
from ..documents import bytes_hash, file_hash
from ..embeddings import SentenceEmbeddings
from ..errors import BankError, BankImportError, StoreCorruptError
from ..models import ImportedBank
from .records import embed_texts, question_records, save_vocabulary, upsert
from .retrieval import COLLECTIONS, collection, mark_store_changed, open_client


def store_bank(settings: Settings, embedder: SentenceEmbeddings, imported: ImportedBank, progress: bool = True) -> dict[str, int]:
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
    vectors = embed_texts(embedder, [r.document for r in records], progress)

    client = open_client(settings, create=True)
    names = ("questions", "references", "key_points")
    cols = {name: collection(client, name, create=True, model=embedder.name) for name in COLLECTIONS}
    stored_model = (cols["questions"].metadata or {}).get("embedding_model")
    if stored_model and stored_model != embedder.name:
        raise StoreCorruptError(
            f"The knowledge base was built with the embedding model {stored_model!r}, not {embedder.name!r}. "
            "Run `interviewer ingest --rebuild` first, then import again."
        )
    where = {"bank": imported.name}
    previous = {n: cols[n].get(where=where, include=["documents", "metadatas", "embeddings"]) for n in names}
    settings.banks_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    mark_store_changed(settings)  # before the first write and after the last (or the put-back)
    try:
        tmp.write_bytes(data)
        for n in names:
            cols[n].delete(where=where)
        by_col: dict[str, list[int]] = {}
        for i, r in enumerate(records):
            by_col.setdefault(r.collection, []).append(i)
        for n, idx in by_col.items():
            upsert(cols[n], [records[i] for i in idx], vectors[idx])
        os.replace(tmp, path)
    except Exception as exc:
        for n in names:  # put back exactly what was there
            try:
                cols[n].delete(where=where)
                old = previous[n]
                if old["ids"]:
                    # a store written before texts moved to metadata has them as documents
                    docs = old["documents"] if any(d is not None for d in old["documents"] or []) else None
                    cols[n].upsert(ids=old["ids"], metadatas=old["metadatas"], embeddings=old["embeddings"],
                                   **({"documents": docs} if docs else {}))
            except Exception:  # the store itself is failing: report the first error below
                pass
        tmp.unlink(missing_ok=True)
        raise BankImportError(
            f"Could not store the bank {imported.name!r} ({type(exc).__name__}: {exc}). Nothing was changed: "
            + ("the previous bank of that name is as it was." if previous["questions"]["ids"] else "no bank was added.")
            + " Check the disk space and the knowledge base (`interviewer ingest`), then import again."
        ) from exc
    finally:
        mark_store_changed(settings)
    try:
        save_vocabulary(settings, cols, embedder.name)
    except OSError:  # the bank is stored; the runtime collects the words from the store instead
        settings.vocabulary_path.unlink(missing_ok=True)
    return dict(Counter(r.collection for r in records))
