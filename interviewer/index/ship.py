"""Build and check the shipped vectors of the built-in knowledge (:mod:`.vectors`).

    python -m interviewer.index.ship build      # or `make vectors`, after changing knowledge/
    python -m interviewer.index.ship check      # exit 1 when a built-in text has no shipped vector

Both run a full ingest of the built-in bank and notes into a temporary data directory, then ask
for the texts the offline scorer embeds for each question's rubric the first time it grades it
(:func:`interviewer.scoring.offline.rubric_texts`): ``build`` with the model, keeping every
vector asked for; ``check`` with a stand-in model that records which texts have no shipped vector.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from ..bank.loading import load_bank
from ..config import Settings
from ..scoring.offline import rubric_texts
from .ingest import Ingestor
from .records import EMBED_BATCH
from .vectors import KEY_BYTES, VECTORS_DIR, CachedEmbeddings, VectorCache, shipped_path, text_key


class _Recorder:
    """Passes texts through to the model and keeps every (text, vector) it produced."""

    def __init__(self, inner):
        self.inner = inner
        self.seen: dict[str, np.ndarray] = {}

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        vecs = self.inner.encode(texts, batch_size=batch_size)
        for t, v in zip(texts, vecs):
            self.seen[t] = v
        return vecs


def _embed_builtin(embedder, progress: bool) -> None:
    """Everything the built-in knowledge asks ``embedder`` to embed: a full ingest into a
    temporary data directory, then every bank question's rubric texts."""
    with tempfile.TemporaryDirectory(prefix="interviewer-vectors-") as home:
        settings = Settings(home=Path(home))
        Ingestor(settings, embedder, progress=progress, shipped=False).run()
        bank = load_bank(settings.bank_dir, settings.taxonomy_path)
    texts = [t for q in bank.questions for t in rubric_texts(q)]
    for start in range(0, len(texts), EMBED_BATCH):
        embedder.encode(texts[start:start + EMBED_BATCH])


def build(embedder=None, folder: Path = VECTORS_DIR, progress: bool = True) -> Path:
    """Embed the built-in bank and notes (a full ingest into a temporary data directory) and the
    rubric texts the scorer embeds, and write every vector asked for to ``folder``. Returns the
    file written."""
    from ..embeddings import get_embeddings

    embedder = embedder or get_embeddings("")
    rec = _Recorder(embedder)
    _embed_builtin(rec, progress)
    texts = sorted(rec.seen)
    keys = np.frombuffer(b"".join(text_key(embedder.name, t) for t in texts), dtype=np.uint8).reshape(-1, KEY_BYTES)
    vectors = np.stack([rec.seen[t] for t in texts]).astype(np.float16)
    folder.mkdir(parents=True, exist_ok=True)
    path = shipped_path(embedder.name, folder)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, keys=keys, vectors=vectors, model=np.array(embedder.name))
    tmp.replace(path)
    return path


class _NoModel:
    """Stands in for the model when only the misses matter: records each text asked for and
    returns unit vectors of the right size (so ingest can run to its end)."""

    def __init__(self, name: str, dimension: int):
        self.name, self.dimension = name, dimension
        self.asked: list[str] = []

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        self.asked += texts
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def missing_texts(model: str, folder: Path = VECTORS_DIR) -> list[str]:
    """Built-in texts that have no shipped vector for ``model`` (ingest would embed them)."""

    cache = VectorCache.for_model(model, folder)
    stub = _NoModel(model, cache.dimension if cache else 384)
    embedder = CachedEmbeddings(stub, cache) if cache else stub
    _embed_builtin(embedder, progress=False)
    return stub.asked


def main(argv: list[str] | None = None) -> int:
    from ..embeddings import DEFAULT_MODEL_LABEL

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["build"]:
        path = build()
        print(f"Wrote {path} ({len(VectorCache(path))} vectors).")
        return 0
    if args[:1] == ["check"]:
        missing = missing_texts(DEFAULT_MODEL_LABEL)
        if missing:
            print(f"{len(missing)} built-in text(s) have no shipped vector, e.g. {missing[0][:80]!r}. "
                  "Run `make vectors` and commit knowledge/vectors/.", file=sys.stderr)
            return 1
        print("Every built-in text has a shipped vector.")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
