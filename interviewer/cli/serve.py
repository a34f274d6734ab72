"""``interviewer ui``: takes a host, port and model, checks the model and the knowledge base, and serves
the Gradio chat of ``ui/app.py`` in the browser until interrupted.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .root import _MODEL_HELP, _ensure_kb, _runtime, app


@app.command()
def ui(
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 7860,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
) -> None:
    """Serve the Gradio chat in the browser (http://127.0.0.1:7860 by default).

    Examples:
      interviewer ui
      interviewer ui --model fake --port 7861
    """
    from ui.app import launch

    rt = _runtime(model)
    rt.check_model()
    _ensure_kb(rt, quiet=False)
    launch(rt, host=host, port=port)
