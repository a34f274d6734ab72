"""``interviewer bank ...``: takes the question bank (built-in or a folder of YAML), a question list to
import (Markdown, CSV, JSON/YAML), or interview-prep documents, and gives: validation errors (exit 1),
counts per level and stage, an all-or-nothing import as a named bank, the list of banks, and how much
of the documents the bank covers (exit 1 when something is not); ``format_coverage`` renders that
coverage report for the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import Settings
from ..models import LEVELS, STAGES
from .root import _ensure_kb, _runtime, bank_app


@bank_app.command("validate")
def bank_validate(
    directory: Annotated[Optional[Path], typer.Argument(help="Folder of bank YAML files (default: the built-in bank).")] = None,
) -> None:
    """Validate the question bank; exits 1 naming file, question id and field of every error."""
    from ..bank.loading import load_bank

    settings = Settings.from_env()
    bank = load_bank(directory or settings.bank_dir, settings.taxonomy_path)
    topics = {q.topic for q in bank.questions}
    typer.echo(f"OK: {len(bank.questions)} questions in {len(set(bank.sources.values()))} file(s), {len(topics)} topics.")


@bank_app.command("stats")
def bank_stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Questions per level and stage (a question asked at two levels counts in both)."""
    from ..bank.loading import load_bank

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

    from ..bank.importing import Inferrer, import_bank, neighbours_from
    from ..index.ingest import Ingestor

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
    from ..bank.loading import imported_bank_files

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
    from ..bank.coverage import coverage
    from ..bank.loading import load_bank
    from ..embeddings import get_embeddings

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
