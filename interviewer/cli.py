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
from .models import LEVELS, STAGES, Assessment, PracticeOnly, SessionConfig, Turn

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
eval_app = typer.Typer(help="Measure the scorer against human grades.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


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
    from .index.ingest import store_exists

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
    from .bank.loading import load_bank

    settings = Settings.from_env()
    bank = load_bank(directory or settings.bank_dir, settings.taxonomy_path)
    topics = {q.topic for q in bank.questions}
    typer.echo(f"OK: {len(bank.questions)} questions in {len(set(bank.sources.values()))} file(s), {len(topics)} topics.")


@bank_app.command("stats")
def bank_stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Questions per level and stage (a question asked at two levels counts in both)."""
    from .bank.loading import load_bank

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


@bank_app.command("import")
def bank_import(
    file: Annotated[Path, typer.Argument(help="A question list: Markdown (.md), CSV with a header (.csv), or JSON/YAML in the bank's format.")],
    name: Annotated[Optional[str], typer.Option("--name", "-n", help="The bank's name (default: from the file name). "
                                                "An existing bank of that name is replaced.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object as the last line.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be imported (question, answer start, "
                                          "topic, stage, difficulty) and what is skipped; write nothing.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Add a question list of your own as a named bank, to interview on alone or beside the built-in one.

    Questions with an answer are graded against it (its sentences become the key points);
    questions without one are practice-only: asked, answer saved, not scored. Topic, stage and
    level are inferred from the built-in taxonomy and bank when the file does not give them.
    The import is all or nothing: on any error the previous state is kept.

    Examples:
      interviewer bank import ml-questions.md --name mine
      interviewer bank import questions.csv --json
      interviewer chat --bank mine          # then: --bank builtin,mine to mix
    """
    from datetime import datetime, timezone

    from .bank.importing import Inferrer, import_bank, neighbours_from
    from .index.ingest import Ingestor

    rt = _runtime()
    _ensure_kb(rt, quiet=quiet or as_json)
    kb = rt.kb
    inferrer = Inferrer(rt.embedder, rt.taxonomy, neighbours_from(kb))
    ingestor = Ingestor(rt.settings, rt.embedder, progress=not (quiet or as_json))
    result = import_bank(file, name, inferrer=inferrer, store=ingestor.add_bank, existing=kb.banks(),
                         now=datetime.now(timezone.utc), dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
        return
    if dry_run:
        typer.echo(f"Dry run: nothing written. {file.name} would give bank {result.bank!r}"
                   + (" (replacing the one of that name)" if result.replaced else "") + ":")
        for row in result.preview:
            typer.echo(f"  {row.source}  [{row.topic} / {row.stage} / difficulty {row.difficulty}]")
            typer.echo(f"    Q: {_cut(row.question, 100)}" + (f"   (from the topic title {row.asked_as!r})" if row.asked_as else ""))
            typer.echo(f"    A: {_cut(row.answer_start, 80)}" if row.answer_start else "    A: (none: practice-only)")
    else:
        typer.echo(f"Imported {result.imported} question(s) from {file.name} as bank {result.bank!r}"
                   + (" (replacing the previous one)" if result.replaced else "") + ":")
    typer.echo(f"  {result.with_answer} with an answer (graded against it), {result.practice_only} practice-only (no answer: not scored)")
    typer.echo("  by stage: " + ", ".join(f"{s} {n}" for s, n in sorted(result.by_stage.items())))
    if result.inferred:
        typer.echo("  inferred from the built-in taxonomy and bank: "
                   + ", ".join(f"{k} for {v}" for k, v in sorted(result.inferred.items())))
    for note in result.notes:
        typer.echo(f"  note: {note}")
    typer.echo(f"Skipped {len(result.skipped)}:" if result.skipped else "Skipped nothing.")
    for s in result.skipped:
        typer.echo(f"  {s.source}: {_cut(s.item, 60)!r}: {s.reason}")
    if dry_run:
        typer.echo(f"Import it: interviewer bank import {file}" + (f" --name {result.bank}" if name else ""))
    else:
        typer.echo(f"Interview on it: interviewer chat --bank {result.bank}   (beside the built-in one: --bank builtin,{result.bank})")


@bank_app.command("list")
def bank_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The question banks in the knowledge base, with their question counts."""
    from .bank.loading import imported_bank_files

    rt = _runtime()
    _ensure_kb(rt, quiet=as_json)
    counts = rt.kb.bank_counts()
    files = {p.stem: p for p in imported_bank_files(rt.settings.banks_dir)}
    if as_json:
        typer.echo(json.dumps({name: {**c, "file": str(files[name]) if name in files else None} for name, c in counts.items()}))
        return
    typer.echo(f"{'bank':24} {'questions':>9} {'practice-only':>13} {'stages':>6}  file")
    for bank_name, c in counts.items():
        where = str(files[bank_name]) if bank_name in files else ("knowledge/bank" if bank_name == "builtin" else "")
        typer.echo(f"{bank_name:24} {c['questions']:>9} {c['practice_only']:>13} {c['stages']:>6}  {where}")


@bank_app.command("coverage")
def bank_coverage(
    documents: Annotated[Optional[list[Path]], typer.Argument(help="Interview-prep documents or folders (.md, .txt).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (every item, the shares covered).")] = False,
    show_ignored: Annotated[bool, typer.Option("--show-ignored", help="Also list the lines left out, and why.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """How much of what interview-prep documents ask the built-in bank covers.

    Lists each question the documents ask, each topic they list and each category they name,
    with the closest bank question and its cosine similarity, then the share covered at the
    thresholds of interviewer/bank/coverage.py (measured by evals/calibrate_coverage.py). Exits 1
    when something is not covered.

    Examples:
      interviewer bank coverage ../shared/seeds
      interviewer bank coverage notes/ml-questions.md --json
    """
    from .bank.coverage import coverage
    from .bank.loading import load_bank
    from .embeddings import get_embeddings

    if not documents:
        typer.echo("Usage: interviewer bank coverage [OPTIONS] DOCUMENTS...\n"
                   "Give one or more .md/.txt documents or folders, e.g. `interviewer bank coverage ../shared/seeds`.")
        raise typer.Exit(2)
    settings = Settings.from_env()
    bank = load_bank(settings.bank_dir, settings.taxonomy_path)
    report = coverage(documents, bank, get_embeddings(settings.embedding_model), progress=not (quiet or as_json))
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
    else:
        typer.echo(format_coverage(report, show_ignored=show_ignored))
    if report.uncovered:
        raise typer.Exit(1)


def format_coverage(report, show_ignored: bool = False) -> str:
    """The coverage table and summary for the terminal."""
    lines = [f"{'kind':8} {'sim':>5}  {'item':60}  closest bank question"]
    for m in report.matches:
        mark = " " if m.covered else "!"
        how = " (named)" if m.named else ""
        lines.append(f"{m.kind:8} {m.similarity:5.2f}{mark} {_cut(m.text, 60):60}  {m.question_id}: {_cut(m.question, 70)}{how}")
    lines.append("")
    lines.append(f"{len(report.documents)} document(s), {report.bank_questions} bank questions. "
                 "Covered = cosine similarity at or above the kind's threshold (! = not covered):")
    for kind, k in report.by_kind.items():
        plural = {"category": "categories"}.get(kind, kind + "s")
        lines.append(f"  {plural:10} {k.covered:>4} of {k.items:<4} covered ({100 * k.share:.1f}%) at >= {k.threshold:.2f}")
    lines.append(f"  {'all':10} {report.covered:>4} of {report.total:<4} covered ({100 * report.share:.1f}%)")
    lines.append(f"  {len(report.ignored)} line(s) left out as not interview content"
                 + ("" if show_ignored else " (--show-ignored lists them)"))
    if report.uncovered:
        lines += ["", "Not covered:"] + [f"  [{m.kind}] {m.text}  ({m.source}; closest {m.question_id}, {m.similarity:.2f})"
                                         for m in report.uncovered]
    else:
        lines += ["", "Not covered: none."]
    if show_ignored:
        lines += ["", "Left out:"] + [f"  {i.source}: {_cut(i.text, 80)}  ({i.reason})" for i in report.ignored]
    return "\n".join(lines)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


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
        "scorer": getattr(a, "scorer", None),
        "offline_score": getattr(a, "offline_score", None),
        "disagreement": getattr(a, "disagreement", False),
        "bank": turn.bank,
        "practice_only": turn.practice_only,
        "prompt": turn.prompt,
        "prompt_version": turn.prompt_version,
        "llm": turn.llm.model_dump() if turn.llm else None,
        **({"drill_reason": turn.drill_reason, "due": turn.due.isoformat() if turn.due else None}
           if turn.drill_reason is not None else {}),
    }


def format_assessment(a: Assessment | PracticeOnly) -> str:
    """An assessment for the terminal: score, key points covered/missed with evidence, feedback,
    and in LLM mode who graded it (an LLM failure is named) and any disagreement with the offline score.
    A practice-only answer says so instead of a score."""
    if isinstance(a, PracticeOnly):
        return f"  Not scored: {a.note}"
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
    stages: Annotated[Optional[str], typer.Option("--stages", "-s", help=f"Comma-separated, from: {', '.join(STAGES)}. "
                      "Default: ml_fundamentals,deep_learning, or with --bank every stage the banks have.")] = None,
    questions: Annotated[int, typer.Option("--questions", "-n", min=1, max=50, help="Main questions (follow-ups extra).")] = 4,
    follow_ups: Annotated[int, typer.Option("--follow-ups", min=0, max=3, help="Follow-ups allowed per question.")] = 1,
    resume: Annotated[Optional[str], typer.Option("--resume", help="Continue a stored session by id.")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Fix question choice (repeatable interviews).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per answered turn, then the report.")] = False,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    bank: Annotated[str, typer.Option("--bank", "-b", help="Question bank(s): builtin, an imported bank's name, "
                                      "or several joined by commas (builtin,mine). See `interviewer bank list`.")] = "builtin",
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
      interviewer chat --bank mine                # an imported bank alone
      interviewer chat --bank builtin,mine --stages ml_fundamentals
      OPENAI_BASE_URL=http://127.0.0.1:11434/v1 interviewer chat --model openai:llama3.1
    """
    rt, out = _session_runtime(model, as_json)
    engine = rt.engine
    if resume:
        started = _resume(engine, resume, out, "session")
    else:
        banks = [b.strip() for b in bank.split(",") if b.strip()] or ["builtin"]
        if stages is None:
            stages = "ml_fundamentals,deep_learning" if banks == ["builtin"] else ",".join(rt.kb.stages_of(banks)) or "screening"
        config = SessionConfig(
            level=parse_level(level), stages=parse_stages(stages), questions=questions, max_follow_ups=follow_ups,
            seed=seed, bank=",".join(banks),
        )
        started = engine.start(config)
        out(f"Session {started.session_id} (resume with `interviewer chat --resume {started.session_id}`)\n")
        out("Interviewer: " + started.history[-1].text)
    _converse(engine, started, as_json, out)


def _session_runtime(model: str | None, as_json: bool):
    """The runtime of a chat or drill, checked before any question, and where its text goes
    (nowhere with --json, where only the JSON lines are printed)."""
    rt = _runtime(model)
    out = (lambda *a, **k: None) if as_json else typer.echo
    rt.check_model()  # a missing key or unreachable server stops us here, before any question
    _ensure_kb(rt, quiet=as_json)
    if rt.llm is not None:
        typer.echo(f"Model: {rt.model_label}", err=True)
    return rt, out


def _resume(engine, session_id: str, out, what: str):
    """Reload a stored session and show its last exchange."""
    started = engine.resume(session_id)
    out(f"Resuming {what} {started.session_id}.")
    for m in started.history[-2:]:
        out(("Interviewer: " if m.role == "interviewer" else "You: ") + m.text)
    return started


def _converse(engine, started, as_json: bool, out) -> None:
    """Ask, read answers (typed, or one per stdin line), print each turn, then the report."""
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
        from .interview.report import to_markdown

        out("\n" + to_markdown(report))


def _stream_turn(engine, sid: str, answer: str, show: bool):
    """Answer one turn, printing the assessment and then the interviewer's reply as it streams."""
    from .interview.engine import Assessed, Reset, Step
    from .llm.leaks import visible

    step = None
    for event in engine.answer_stream(sid, answer):
        if not show:
            step = event if isinstance(event, Step) else step
        elif isinstance(event, Assessed):
            a = event.turn.assessment
            typer.echo("\n" + format_assessment(a if isinstance(a, PracticeOnly) else visible(a, event.follow_up_next)))
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


# --------------------------------------------------------------------------- drill and progress

drill_app = typer.Typer()  # its help is the callback's docstring (examples included)
app.add_typer(drill_app, name="drill")


@drill_app.callback(invoke_without_command=True)
def drill(
    ctx: typer.Context,
    questions: Annotated[int, typer.Option("--questions", "-n", min=1, max=50, help="Main questions (follow-ups extra).")] = 5,
    level: Annotated[str, typer.Option("--level", "-l", help=f"Level of new questions: {', '.join(LEVELS)}.")] = "mid",
    stages: Annotated[Optional[str], typer.Option("--stages", "-s", help=f"Comma-separated, from: {', '.join(STAGES)}. "
                      "Default: every stage.")] = None,
    follow_ups: Annotated[int, typer.Option("--follow-ups", min=0, max=3, help="Follow-ups allowed per question.")] = 1,
    resume: Annotated[Optional[str], typer.Option("--resume", help="Continue a stored drill by id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per answered turn (with drill_reason "
                                          "and due), then the report.")] = False,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    bank: Annotated[str, typer.Option("--bank", "-b", help="Question bank(s), joined by commas.")] = "builtin",
) -> None:
    """Drill weak spots across sessions, scheduled by FSRS at the level of key points.

    Due reviews come first (most overdue, weakest first), then key points not yet due from
    your weakest topics, then new questions of those topics. Each question says why it came
    up. A follow-up goes to the due key point when the answer misses it again. Every graded
    key point is rescheduled; `interviewer progress` shows what is due.

    Examples:
      interviewer drill --questions 3
      printf 'answer one\\nanswer two\\n' | interviewer drill -n 2 --json
      interviewer drill export --anki deck.apkg
    """
    if ctx.invoked_subcommand is not None:
        return
    rt, out = _session_runtime(model, as_json)
    engine = rt.engine
    if resume:
        started = _resume(engine, resume, out, "drill")
    else:
        banks = [b.strip() for b in bank.split(",") if b.strip()] or ["builtin"]
        chosen = parse_stages(stages) if stages else list(rt.kb.stages_of(banks)) or list(STAGES)
        config = SessionConfig(level=parse_level(level), stages=chosen, questions=questions, max_follow_ups=follow_ups,
                               bank=",".join(banks), mode="drill")
        started = engine.start(config)
        out(f"Drill {started.session_id} (resume with `interviewer drill --resume {started.session_id}`)\n")
        out("Interviewer: " + started.history[-1].text)
    _converse(engine, started, as_json, out)


@drill_app.command("export")
def drill_export(
    anki: Annotated[Path, typer.Option("--anki", help="Write an Anki deck (.apkg) to this file.")],
    bank: Annotated[str, typer.Option("--bank", "-b", help="Question bank(s), joined by commas.")] = "builtin",
) -> None:
    """Export the bank's questions with their reference answers as an Anki deck, the key points you
    missed first (tagged `missed`, with what you missed on the back)."""
    from .interview.anki import export_deck

    rt = _runtime()
    _ensure_kb(rt, quiet=False)
    banks = [b.strip() for b in bank.split(",") if b.strip()] or ["builtin"]
    result = export_deck(rt.kb, banks, rt.store.review_items(banks), anki)
    typer.echo(f"Wrote {anki}: {result.notes} cards, {result.missed} with key points you missed first.")


@app.command()
def progress(
    level: Annotated[str, typer.Option("--level", "-l", help=f"Level the readiness is for: {', '.join(LEVELS)}.")] = "mid",
    as_json: Annotated[bool, typer.Option("--json", help='Print one JSON object ("type": "progress").')] = False,
    markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Also write the page as Markdown to this file.")] = None,
) -> None:
    """Progress across interviews and drills: per topic and stage, answers, score history, key
    points retained, reviews due and the next due date, and readiness per stage for a level."""
    from .interview.progress import to_markdown

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
    from .interview.report import to_markdown

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


# --------------------------------------------------------------------------- evaluation


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


@eval_app.command("asag")
def eval_asag(
    file: Annotated[Path, typer.Argument(help="JSONL of human-graded answers (question, reference_answer(s), answer, score or labels).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object on the last line.")] = False,
    predictions: Annotated[Optional[Path], typer.Option("--predictions", help="Write each row back with predicted_score and flags.")] = None,
    train: Annotated[Optional[Path], typer.Option("--train", help="Fit the correct/incorrect score threshold on this labelled file first.")] = None,
    per_question: Annotated[bool, typer.Option("--per-question", help="Also print the table per question.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Score every answer of a short-answer-grading file and report agreement with the human grades.

    Scores (0-5): Pearson r, Spearman rho, RMSE, quadratic weighted kappa on integer bands.
    Labels (correct / incorrect): accuracy and macro-F1, at a threshold of 2.5 or one fitted
    with --train on a training file. Flags: how many answers carry each, and its precision (the
    share the humans graded 2 or lower, or labelled incorrect). Malformed rows are reported with
    their line number and skipped.

    Examples:
      interviewer eval asag ../shared/evals/asag/mohler_dev.jsonl
      interviewer eval asag beetle_test_ua.jsonl --train beetle_train.jsonl --json
    """
    import numpy as np
    from tqdm import tqdm

    from .embeddings import get_embeddings
    from .errors import ConfigError
    from .scoring.asag import best_threshold, evaluate, prediction_record
    from .scoring.offline import OfflineScorer

    for p in (file, train):
        if p is not None and not p.is_file():
            raise ConfigError(f"No file {p}; give the path of a JSONL file of graded answers.")
    scorer = OfflineScorer(get_embeddings(Settings.from_env().embedding_model))
    bar = (lambda it, desc: it) if quiet else (lambda it, desc: tqdm(it, desc=desc, unit="answer", file=sys.stderr))
    threshold, source = None, "default"
    if train is not None:
        tr = evaluate(train, scorer, progress=lambda it: bar(it, f"Fitting on {train.name}"))
        pairs = [(a.score, r.label_2way == "correct") for _, r, a in tr.predictions if r.label_2way]
        if not pairs:
            raise ConfigError(f"{train} has no 'label_2way' labels to fit a threshold on.")
        threshold = best_threshold(np.array([s for s, _ in pairs]), np.array([c for _, c in pairs]))
        source = f"fitted on {train.name}"
    ev = evaluate(file, scorer, progress=lambda it: bar(it, f"Scoring {file.name}"), threshold=threshold, threshold_source=source)
    for n, why in ev.skipped:
        _err(f"{file.name}:{n}: skipped: {why}")
    if predictions is not None:
        with predictions.open("w", encoding="utf-8") as fh:
            for _, r, a in ev.predictions:
                fh.write(json.dumps(prediction_record(r, a), ensure_ascii=False) + "\n")
    summary = ev.summary()
    if not as_json:
        keys = ["n", "skipped", "pearson", "spearman", "rmse", "qwk", "label_2way_accuracy", "label_2way_macro_f1",
                "label_3way_accuracy", "label_3way_macro_f1", "threshold", "mean_predicted"]
        for k in keys:
            if k in summary:
                typer.echo(f"{k:22} {_fmt(summary[k])}")
        flagged = {f: m for f, m in summary["flags"].items() if m["n"]}
        if flagged:
            typer.echo("flag precision (share of flagged answers the humans graded 2 or lower / incorrect):")
            for f, m in flagged.items():
                typer.echo(f"  {f:20} {_fmt(m['precision'])}  of {m['n']}")
        if per_question:
            typer.echo(f"\n{'question':28} {'n':>4} {'pearson':>8} {'rmse':>6} {'qwk':>6}")
            for q, m in summary["per_question"].items():
                typer.echo(f"{q[:28]:28} {m['n']:>4} {_fmt(m.get('pearson')):>8} {_fmt(m.get('rmse')):>6} {_fmt(m.get('qwk')):>6}")
    if as_json:
        typer.echo(json.dumps(summary))


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
        # Without standalone mode click returns (not raises) the code of a typer.Exit.
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int):
            return code
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
