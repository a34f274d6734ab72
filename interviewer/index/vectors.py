"""Shipped embeddings: the vectors of the built-in bank and notes, so a new data directory is ready in seconds.

Embedding the built-in knowledge (about 3,800 texts: questions, reference answers, key points,
note passages, topic descriptions) takes about 100 s on 2 cores, every time a data directory is
made. The package ships them instead: ``knowledge/vectors/<model>.npz`` holds, for one
embedding model, a 12-byte key per text (SHA-256 of the model name and the exact text) and the
vector as float16 (unit rows; float16 keeps cosines within about 1e-3). Ingest looks every text
up by its key and embeds only the ones that are missing (a changed question, your own
documents), so nothing stale is ever used: a text that changed has another key.

    python -m interviewer.index.ship build      # or `make vectors`, after changing knowledge/
    python -m interviewer.index.ship check      # exit 1 when a built-in text has no shipped vector

``ingest --rebuild`` ignores the shipped file and embeds everything.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from ..config import KNOWLEDGE_DIR

VECTORS_DIR = KNOWLEDGE_DIR / "vectors"
KEY_BYTES = 12


def text_key(model: str, text: str) -> bytes:
    """The lookup key of ``text`` embedded by ``model`` (12 bytes of SHA-256)."""
    return hashlib.sha256(f"{model}\0{text}".encode("utf-8", "surrogatepass")).digest()[:KEY_BYTES]


def shipped_path(model: str, folder: Path = VECTORS_DIR) -> Path:
    """Where the vectors for ``model`` are shipped (one file per model)."""
    return folder / (re.sub(r"[^A-Za-z0-9._-]+", "_", model) + ".npz")


class VectorCache:
    """Vectors by text for one model, read from a shipped file.

    Raises:
        ValueError: the file is not a vector file (missing arrays, shapes that do not agree).
    """

    def __init__(self, path: Path):
        with np.load(path, allow_pickle=False) as data:
            keys, vectors, model = data["keys"], data["vectors"], str(data["model"])
        if keys.ndim != 2 or keys.shape[1] != KEY_BYTES or len(keys) != len(vectors):
            raise ValueError(f"{path} is not a vector file: keys {keys.shape}, vectors {vectors.shape}")
        self.path, self.model = path, model
        self.vectors = vectors
        self.index = {bytes(k): i for i, k in enumerate(keys)}

    @classmethod
    def for_model(cls, model: str, folder: Path = VECTORS_DIR) -> VectorCache | None:
        """The shipped cache of ``model``, or None when there is none (or it cannot be read)."""
        path = shipped_path(model, folder)
        try:
            cache = cls(path)
        except (OSError, ValueError, KeyError):
            return None
        return cache if cache.model == model else None

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index)

    def lookup(self, texts: list[str]) -> list[int | None]:
        """Row of each text in :attr:`vectors`, or None when it is not shipped."""
        return [self.index.get(text_key(self.model, t)) for t in texts]

    def unit_rows(self, rows: list[int]) -> np.ndarray:
        """The vectors at ``rows`` as (len(rows), dim) float32 unit rows (float16 loses the norm)."""
        vecs = self.vectors[rows].astype(np.float32)
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True).clip(1e-12)

    def vectors_for(self, texts: list[str]) -> np.ndarray | None:
        """(len(texts), dim) float32 unit rows when every text is shipped, else None."""
        rows = self.lookup(texts)
        return None if any(r is None for r in rows) else self.unit_rows(rows)


class CachedEmbeddings:
    """An embedder that takes shipped vectors where it can and embeds only the rest.

    Same ``encode``/``name``/``dimension`` as :class:`~interviewer.embeddings.SentenceEmbeddings`;
    the model is loaded only when some text is missing. ``hits`` and ``misses`` count texts.
    """

    def __init__(self, inner, cache: VectorCache):
        self.inner, self.cache = inner, cache
        self.hits = self.misses = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.cache.dimension

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """(len(texts), dim) float32 unit rows, shipped where the text is known."""
        rows = self.cache.lookup(texts)
        out = np.zeros((len(texts), self.cache.dimension), dtype=np.float32)
        known = [i for i, r in enumerate(rows) if r is not None]
        if known:
            out[known] = self.cache.unit_rows([rows[i] for i in known])
        missing = [i for i, r in enumerate(rows) if r is None]
        if missing:
            fresh = np.asarray(self.inner.encode([texts[i] for i in missing], batch_size=batch_size))
            if fresh.ndim != 2 or fresh.shape[1] != self.cache.dimension:
                # the model gives vectors of another size than the shipped ones: they cannot be
                # mixed, so the model embeds everything (and the store says what is wrong)
                self.misses += len(texts)
                return np.asarray(self.inner.encode(texts, batch_size=batch_size))
            out[missing] = fresh
        self.hits += len(known)
        self.misses += len(missing)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


def with_shipped(embedder):
    """``embedder`` wrapped with its model's shipped vectors, or itself when none are shipped."""
    cache = VectorCache.for_model(embedder.name)
    return CachedEmbeddings(embedder, cache) if cache is not None else embedder
