"""``interviewer progress``, ``sessions`` and ``report``: take the stored sessions and review schedule,
and give progress across interviews and drills (per topic and stage, reviews due, readiness for a level;
Markdown or JSON), the list of sessions with their ids for ``--resume``, and one session's report with
its transcript (Markdown or JSON, printed or written to a file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..models import LEVELS
from .root import _ensure_kb, _runtime, app, parse_level


@app.command()
def progress(
    level: Annotated[str, typer.Option("--level", "-l", help=f"Level the readiness is for: {', '.join(LEVELS)}.")] = "mid",
    as_json: Annotated[bool, typer.Option("--json", help='Print one JSON object ("type": "progress").')] = False,
    markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Also write the page as Markdown to this file.")] = None,
) -> None:
    """Progress across interviews and drills: per topic and stage, answers, score history, key
    points retained, reviews due and the next due date, and readiness per stage for a level."""
    from ..interview.progress import to_markdown

    rt = _runtime()
    _ensure_kb(rt, quiet=as_json)
    p = rt.engine.progress(parse_level(level))
    if markdown:
        markdown.write_text(to_markdown(p), encoding="utf-8")
        typer.echo(f"Wrote {markdown}", err=True)
    if as_json:
        typer.echo(json.dumps(p.model_dump(mode="json"), ensure_ascii=False))
    else:
        typer.echo(to_markdown(p))


# --------------------------------------------------------------------------- sessions and reports


@app.command()
def sessions(
    all_: Annotated[bool, typer.Option("--all", help="Include finished sessions.")] = False,
) -> None:
    """List stored sessions (active ones unless --all), newest first, with their ids for --resume."""
    rt = _runtime()
    rows = rt.store.sessions(None if all_ else "active")
    if not rows:
        typer.echo("No sessions." if all_ else "No unfinished sessions (use --all to see finished ones).")
    for s in rows:
        stages = ",".join(s.config.stages)
        typer.echo(f"{s.id}  {s.updated_at:%Y-%m-%d %H:%M}  {s.status:<8} {s.config.level:<6} {s.answered}/{s.config.questions}+ answered  {stages}")


@app.command()
def report(
    session_id: Annotated[str, typer.Argument(help="Session id (see `interviewer sessions --all`).")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the Markdown report to this file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Print (or save) a session's report, with its transcript."""
    from ..interview.report import to_markdown

    rt = _runtime()
    rep = rt.engine.report(session_id)
    if as_json:
        typer.echo(json.dumps(rep.model_dump(mode="json")))
        return
    text = to_markdown(rep, rt.store.turns(session_id))
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}")
    else:
        typer.echo(text)
