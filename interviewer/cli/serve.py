"""``interviewer ui``: takes a host, port and model, checks the model and the knowledge base, and serves
the Gradio chat of ``ui/app.py`` in the browser until interrupted.

A configured LLM server is checked first, so a wrong setting fails before anything is written.
On a fresh data directory the built-in knowledge base is built by ``interviewer ingest --if-missing``
in a child process while this one imports Gradio (about 2 s each on these machines, and both mostly
CPU in one thread, so two processes overlap where two threads would not); the page opens once both
are done.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated, Optional

import typer

from ..config import Settings
from .root import _MODEL_HELP, _ensure_kb, _runtime, app


def start_background_ingest(settings: Settings) -> subprocess.Popen | None:
    """Start ``interviewer ingest --if-missing --quiet`` in a child process when the embedded store
    has no finished ingest (:attr:`Settings.ingest_marker` missing); None when there is nothing to
    build or the store is a Chroma server (that one is never written behind the user's back).
    The child inherits the environment, so it builds the same ``INTERVIEWER_HOME``."""
    marker = settings.ingest_marker
    if marker is None or marker.exists():
        return None
    typer.echo("No knowledge base yet: building it from the built-in question bank while the app loads "
               "(a few seconds, once)...", err=True)
    return subprocess.Popen([sys.executable, "-m", "interviewer", "ingest", "--if-missing", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish_background_ingest(proc: subprocess.Popen | None) -> None:
    """Wait for :func:`start_background_ingest`'s child. Raises ``typer.Exit`` with its exit code,
    after printing what it printed on stderr, when it failed: the app is not served without its
    knowledge base."""
    if proc is None:
        return
    _, err = proc.communicate()
    if proc.returncode != 0:
        typer.echo((err or "").strip() or f"Building the knowledge base failed (exit code {proc.returncode}).", err=True)
        typer.echo("Fix the problem above, then run `interviewer ingest` (or start `interviewer ui` again).", err=True)
        raise typer.Exit(proc.returncode or 1)


@app.command()
def ui(
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 7860,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
) -> None:
    """Serve the Gradio chat in the browser (http://127.0.0.1:7860 by default).

    On a fresh data directory it first builds the knowledge base from the built-in question bank
    (a few seconds; shipped embeddings make it quick).

    Examples:
      interviewer ui
      interviewer ui --model fake --port 7861
    """
    from ..llm.probe import check_model
    from ..llm.providers import resolve_model

    choice = resolve_model(model)  # a bad --model, a missing key or an unreachable server fails here,
    if choice is not None:  # before anything is built (one GET /models; the offline default sends none)
        check_model(choice)
    ingest = start_background_ingest(Settings.from_env())
    try:
        from ui.app import launch

        from ..index import retrieval  # noqa: F401  (chromadb's import, while the child works)

        rt = _runtime(model)
        rt.prepare_model()  # the server answered above
    except BaseException:  # the structured-output probe failed: let the child finish, so the next start is quick
        if ingest is not None:
            ingest.wait()
        raise
    finish_background_ingest(ingest)
    _ensure_kb(rt, quiet=False)
    launch(rt, host=host, port=port)
