"""Command line: ingest, bank validation and stats, terminal chat, sessions, reports, and the web UI."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .config import Settings
from .errors import InterviewerError, StoreMissingError
from .models import LEVELS, STAGES, Assessment, SessionConfig, Turn

app = typer.Typer(
    name="interviewer",
    help="Offline mock interviewer for Machine Learning Engineer interviews.\n\n"
    "Quick start: `interviewer ingest`, then `interviewer chat --level mid` or `interviewer ui`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bank_app = typer.Typer(help="Check and describe the question bank.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")


def _err(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)


def _runtime(model: str | None = None):
    from .runtime import Runtime

    return Runtime(Settings.from_env(), model=model)


_MODEL_HELP = (
    "LLM that interviews and grades: openai:MODEL (OpenAI with OPENAI_API_KEY, or any OpenAI-compatible "
    "server at OPENAI_BASE_URL), fake (built-in, no network) or offline. Default: $INTERVIEWER_MODEL, "
    "else openai:gpt-4o-mini when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"interviewer {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = None,
) -> None:
    """Offline mock interviewer for Machine Learning Engineer interviews."""


# --------------------------------------------------------------------------- ingest


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
    from .ingest import store_exists

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


# --------------------------------------------------------------------------- bank


@bank_app.command("validate")
def bank_validate(
    directory: Annotated[Optional[Path], typer.Argument(help="Folder of bank YAML files (default: the built-in bank).")] = None,
) -> None:
    """Validate the question bank; exits 1 naming file, question id and field of every error."""
    from .bank import load_bank

    settings = Settings.from_env()
    bank = load_bank(directory or settings.bank_dir, settings.taxonomy_path)
    topics = {q.topic for q in bank.questions}
    typer.echo(f"OK: {len(bank.questions)} questions in {len(set(bank.sources.values()))} file(s), {len(topics)} topics.")


@bank_app.command("stats")
def bank_stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Questions per level and stage (a question asked at two levels counts in both)."""
    from .bank import load_bank

    settings = Settings.from_env()
    bank = load_bank(settings.bank_dir, settings.taxonomy_path)
    counts = bank.counts()
    if as_json:
        typer.echo(json.dumps({"questions": len(bank.questions), "cells": {f"{lv}/{st}": n for (lv, st), n in counts.items()}}))
        return
    width = max(len(s) for s in STAGES)
    typer.echo(f"{'stage':<{width}} " + " ".join(f"{lv:>7}" for lv in LEVELS) + "   total")
    for st in STAGES:
        total = sum(1 for q in bank.questions if q.stage == st)
        typer.echo(f"{st:<{width}} " + " ".join(f"{counts[(lv, st)]:>7}" for lv in LEVELS) + f"   {total:>5}")
    typer.echo(f"{len(bank.questions)} questions, {len({q.topic for q in bank.questions})} topics")


# --------------------------------------------------------------------------- chat


def parse_stages(value: str) -> list[str]:
    """Comma-separated stage names -> list. Raises ConfigError naming the valid ones."""
    from .errors import ConfigError

    names = [s.strip() for s in value.split(",") if s.strip()]
    if not names:
        raise ConfigError(f"No stage given. Choose from: {', '.join(STAGES)}.")
    bad = [s for s in names if s not in STAGES]
    if bad:
        raise ConfigError(f"Unknown stage(s) {', '.join(map(repr, bad))}. Choose from: {', '.join(STAGES)}.")
    return names


def parse_level(value: str) -> str:
    from .errors import ConfigError

    if value not in LEVELS:
        raise ConfigError(f"Unknown level {value!r}. Choose one of: {', '.join(LEVELS)}.")
    return value


def turn_record(turn: Turn) -> dict:
    """The JSON line printed for an answered turn with ``--json``."""
    a = turn.assessment
    return {
        "type": "turn",
        "session_id": turn.session_id,
        "index": turn.index,
        "question_id": turn.question_id,
        "stage": turn.stage,
        "topic": turn.topic,
        "level": turn.level,
        "difficulty": turn.difficulty,
        "question": turn.question,
        "answer": turn.answer,
        "is_follow_up": turn.is_follow_up,
        "score": a.score if a else None,
        "covered": [k.text for k in a.covered] if a else [],
        "missed": [k.text for k in a.missed] if a else [],
        "evidence": {k.text: k.evidence for k in a.covered} if a else {},
        "flags": list(a.flags) if a else [],
        "feedback": list(a.feedback) if a else [],
        "scorer": a.scorer if a else None,
        "offline_score": a.offline_score if a else None,
        "disagreement": a.disagreement if a else False,
        "prompt": turn.prompt,
        "prompt_version": turn.prompt_version,
        "llm": turn.llm.model_dump() if turn.llm else None,
    }


def format_assessment(a: Assessment) -> str:
    """An assessment for the terminal: score, key points covered/missed with evidence, feedback,
    and in LLM mode who graded it (an LLM failure is named) and any disagreement with the offline score."""
    lines = [f"  Score: {a.score:.1f} / 5" + (f"   flags: {', '.join(a.flags)}" if a.flags else "")]
    if a.scorer != "offline":
        lines.append(f"  Graded by: {a.scorer}" + (f" (offline score {a.offline_score:.1f})" if a.offline_score is not None and a.fallback is None else ""))
    if a.disagreement:
        lines.append(f"  Note: the LLM ({a.score:.1f}) and offline ({a.offline_score:.1f}) scores disagree; take this grade with care.")
    for k in a.key_points:
        mark = "[x]" if k.covered else "[ ]"
        lines.append(f"  {mark} {k.text}")
        if k.covered and k.evidence:
            lines.append(f'        covered by: "{k.evidence}"')
    lines += [f"  - {f}" for f in a.feedback]
    return "\n".join(lines)


def _ensure_kb(rt, quiet: bool) -> None:
    """Build the knowledge base from the built-in bank when it is missing (embedded store only)."""
    try:
        rt.kb
    except StoreMissingError:
        if rt.settings.chroma_url:
            raise
        typer.echo("No knowledge base yet: building it from the built-in question bank (once, about a minute)...", err=True)
        rt.ingest(progress=not quiet)


@app.command()
def chat(
    level: Annotated[str, typer.Option("--level", "-l", help=f"Role level: {', '.join(LEVELS)}.")] = "mid",
    stages: Annotated[str, typer.Option("--stages", "-s", help=f"Comma-separated, from: {', '.join(STAGES)}.")] = "ml_fundamentals,deep_learning",
    questions: Annotated[int, typer.Option("--questions", "-n", min=1, max=50, help="Main questions (follow-ups extra).")] = 4,
    follow_ups: Annotated[int, typer.Option("--follow-ups", min=0, max=3, help="Follow-ups allowed per question.")] = 1,
    resume: Annotated[Optional[str], typer.Option("--resume", help="Continue a stored session by id.")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Fix question choice (repeatable interviews).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per answered turn, then the report.")] = False,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
) -> None:
    """Run a mock interview in the terminal.

    In a terminal, type each answer and press Enter (`/quit` stops; resume later). When
    stdin is not a terminal, each line of stdin is one answer, and the end of input ends the
    interview early with a report on what was answered.

    Examples:
      interviewer chat --level senior --stages ml_system_design,mlops --questions 4
      printf 'answer one\\nanswer two\\n' | interviewer chat --level junior --stages coding --json
      interviewer chat --resume 3f2a9c1b7d4e
      interviewer chat --model fake
      OPENAI_BASE_URL=http://127.0.0.1:11434/v1 interviewer chat --model openai:llama3.1
    """
    rt = _runtime(model)
    out = (lambda *a, **k: None) if as_json else typer.echo
    rt.check_model()  # a missing key or unreachable server stops us here, before any question
    _ensure_kb(rt, quiet=as_json)
    if rt.llm is not None:
        typer.echo(f"Model: {rt.model_label}", err=True)
    engine = rt.engine
    if resume:
        started = engine.resume(resume)
        out(f"Resuming session {started.session_id}.")
        for m in started.history[-2:]:
            out(("Interviewer: " if m.role == "interviewer" else "You: ") + m.text)
    else:
        config = SessionConfig(
            level=parse_level(level), stages=parse_stages(stages), questions=questions, max_follow_ups=follow_ups, seed=seed
        )
        started = engine.start(config)
        out(f"Session {started.session_id} (resume with `interviewer chat --resume {started.session_id}`)\n")
        out("Interviewer: " + started.history[-1].text)
    sid = started.session_id
    pending = started.pending
    interactive = sys.stdin.isatty() and not as_json
    report = started.report
    while pending is not None:
        if interactive:
            try:
                answer = input("\nYou: ")
            except EOFError:
                answer = None
            if answer is not None and answer.strip() == "/quit":
                answer = None
        else:
            line = sys.stdin.readline()
            answer = None if line == "" else line.rstrip("\n")
        if answer is None:
            break
        if not as_json and not interactive:
            out(f"\nYou: {answer[:300]}{'...' if len(answer) > 300 else ''}")
        step = _stream_turn(engine, sid, answer, show=not as_json)
        if as_json:
            typer.echo(json.dumps(turn_record(step.answered), ensure_ascii=False))
        pending = step.next_turn
        report = step.report
    if report is None:
        report, closing = engine.end(sid)
        out("\nInterviewer: " + closing)
        if report.finished_early:
            out(f"(Session kept: continue it with `interviewer chat --resume {sid}`.)")
    if as_json:
        typer.echo(json.dumps({"type": "report", **report.model_dump(mode="json")}, ensure_ascii=False))
    else:
        from .report import to_markdown

        out("\n" + to_markdown(report))


def _stream_turn(engine, sid: str, answer: str, show: bool):
    """Answer one turn, printing the assessment and then the interviewer's reply as it streams."""
    from .engine import Assessed, Reset, Step
    from .leaks import visible

    step = None
    for event in engine.answer_stream(sid, answer):
        if not show:
            step = event if isinstance(event, Step) else step
        elif isinstance(event, Assessed):
            typer.echo("\n" + format_assessment(visible(event.turn.assessment, event.follow_up_next)))
            typer.echo("\nInterviewer: ", nl=False)
        elif isinstance(event, Reset):
            typer.echo(f"\n  (that reply broke off: {event.reason})\nInterviewer: ", nl=False)
        elif isinstance(event, str):
            typer.echo(event, nl=False)
            sys.stdout.flush()
        elif isinstance(event, Step):
            typer.echo("")
            step = event
    return step


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
    from .report import to_markdown

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


# --------------------------------------------------------------------------- UI


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


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 user error, 2 partial ingest, 130 interrupted)."""
    try:
        app(args=argv, standalone_mode=False)
    except InterviewerError as exc:
        _err(f"Error: {exc}")
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        _err("\nInterrupted. Everything answered so far is saved; `interviewer sessions` lists sessions to resume.")
        return 130
    except Exception as exc:  # click's usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        if isinstance(exc, click.exceptions.Abort):
            return 130
        raise
    return 0


def _console() -> None:  # pragma: no cover
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    _console()
