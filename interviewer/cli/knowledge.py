"""``interviewer ingest``: takes the built-in bank, topic notes and any given documents (.md, .txt,
.pdf) and embeds them into the knowledge base (incrementally, or from scratch with ``--rebuild``); prints
what was added, updated, removed and left unchanged, and exits 2 when a file had to be skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .root import _err, _runtime, app


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Extra documents or folders (.md, .txt, .pdf).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Delete the knowledge base and embed everything again.")] = False,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when a knowledge base already exists.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Embed the question bank, topic notes and any given documents into the knowledge base.

    Re-running on unchanged files changes nothing; changed files are re-embedded and files
    that no longer exist are removed. The store lives in $INTERVIEWER_HOME (default
    ~/.interviewer), or on the Chroma server at $INTERVIEWER_CHROMA_URL.

    Examples:
      interviewer ingest
      interviewer ingest ~/notes/ml-interview.md ./papers/
      interviewer ingest --rebuild
    """
    from ..index.ingest import store_exists

    rt = _runtime()
    if if_missing and not rebuild and store_exists(rt.settings):
        typer.echo(f"Knowledge base found at {rt.settings.chroma_url or rt.settings.chroma_dir}; nothing to do.")
        return
    result = rt.ingest(paths or [], rebuild=rebuild, progress=not quiet)
    where = rt.settings.chroma_url or str(rt.settings.chroma_dir)
    typer.echo(
        f"Ingested into {where} in {result.seconds:.1f} s: {len(result.added)} file(s) added, "
        f"{len(result.updated)} updated, {len(result.removed)} removed, {len(result.unchanged)} unchanged."
    )
    if result.records:
        typer.echo("Records written: " + ", ".join(f"{k} {v}" for k, v in sorted(result.records.items())))
    for src, why in result.failed.items():
        _err(f"skipped: {why}")
    if result.failed:
        raise typer.Exit(2)
