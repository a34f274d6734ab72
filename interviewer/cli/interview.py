"""``interviewer chat`` and ``interviewer drill``: take answers, typed in a terminal or one per stdin
line, and give the interview as it goes (each assessment, then the interviewer's reply as it streams),
or with ``--json`` one JSON object per answered turn (``turn_record``) and then the report; a session can
be resumed by id. ``drill export`` writes the bank as an Anki deck, missed key points first.
``format_assessment`` renders one assessment for the terminal.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..models import LEVELS, STAGES, Assessment, PracticeOnly, SessionConfig, Turn
from .root import _MODEL_HELP, _ensure_kb, _runtime, app, drill_app, parse_banks, parse_level, parse_stages


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
        banks = parse_banks(bank)
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
        from ..interview.report import to_markdown

        out("\n" + to_markdown(report))


def _stream_turn(engine, sid: str, answer: str, show: bool):
    """Answer one turn, printing the assessment and then the interviewer's reply as it streams."""
    from ..interview.engine import Assessed, Reset, Step
    from ..llm.leaks import visible

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
        banks = parse_banks(bank)
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
    from ..interview.anki import export_deck

    rt = _runtime()
    _ensure_kb(rt, quiet=False)
    banks = parse_banks(bank)
    result = export_deck(rt.kb, banks, rt.store.review_items(banks), anki)
    typer.echo(f"Wrote {anki}: {result.notes} cards, {result.missed} with key points you missed first.")


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
