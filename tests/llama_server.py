"""llama.cpp's OpenAI-compatible server (llama-cpp-python) serving the tiny model of tests/tiny_gguf.py.

A server nobody on this project wrote: what it accepts and refuses is its own (json_schema
refused with HTTP 500, json_object with a schema and forced tool calls honoured, numbers
unbounded). Used by tests/test_llama_server.py and ``evals/simulate.py --server-mode llama``.

    with LlamaServer(tmp_dir) as server:
        os.environ["OPENAI_BASE_URL"] = server.url     # model id: server.model

``available()`` says whether llama-cpp-python is installed (``make test`` installs it).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

try:
    from .tiny_gguf import write as write_gguf
except ImportError:  # run from evals/ with tests/ on sys.path
    from tiny_gguf import write as write_gguf

#: The model id the server is started with (``--model_alias``).
MODEL = "tiny"
#: Context the server allocates, in tokens: an interview prompt is 5,000-8,000 with the
#: character-level vocabulary of the tiny model.
CONTEXT = 32768


def available() -> bool:
    """llama-cpp-python with its server extra is importable."""
    return all(importlib.util.find_spec(m) is not None for m in ("llama_cpp", "uvicorn", "sse_starlette"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """``python -m llama_cpp.server`` on 127.0.0.1 in its own process group, stopped (SIGKILL to
    the group) on exit so no server outlives the test.

    Args:
        folder: where the model file and the server's log are written.
        start_timeout: seconds to wait for ``GET /v1/models`` to answer.

    Raises:
        RuntimeError: the server exited or did not answer in time (the log's tail is in the message).
    """

    def __init__(self, folder: Path, start_timeout: float = 90.0):
        self.folder = Path(folder)
        self.start_timeout = start_timeout
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.model = MODEL
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "LlamaServer":
        self.folder.mkdir(parents=True, exist_ok=True)
        gguf = write_gguf(self.folder / "tiny.gguf")
        self.log = self.folder / "llama_server.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", MODEL,
                 "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(CONTEXT), "--n_threads", "2"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        tail = self.log.read_text(errors="replace")[-1500:]
        raise RuntimeError(f"llama.cpp server did not start on port {self.port}:\n{tail}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    def __exit__(self, *exc) -> None:
        self.stop()
