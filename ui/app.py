"""The Gradio app: an Interview tab (setup, chat, the assessment of the last answer, the final
report), a Drill tab (what is due for review first, each question with its reason) and a
Progress tab (readiness per stage, score history as a line chart, what is due, a Markdown export).

``build_app(runtime)`` makes the Blocks; ``launch`` serves it. Handlers are thin: they call
the engine and turn its domain objects into chat messages and Markdown. Nothing here
knows about Chroma or SQLite.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from interviewer.errors import InterviewerError
from interviewer.interview.engine import Assessed, Reset, Started, Step
from interviewer.interview.progress import Progress
from interviewer.interview.progress import to_markdown as progress_markdown
from interviewer.interview.report import due_lines, to_markdown
from interviewer.llm.leaks import visible
from interviewer.models import LEVELS, STAGE_TITLES, STAGES, Assessment, PracticeOnly, Report, SessionConfig
from interviewer.runtime import Runtime
from interviewer.scoring.offline import flag_message

#: Answers graded at once by the UI's workers (INTERVIEWER_UI_CONCURRENCY overrides). Answers that
#: arrive together share one embedding call (interviewer.embeddings), so more workers mean bigger
#: batches; measured with evals/bench_concurrency.py (see the README's performance table).
UI_CONCURRENCY = 4
MAX_ANSWER_HINT = "Answers are graded up to about 2,000 words."
_EMPTY_ASSESSMENT = "*The assessment of your last answer appears here.*"
HIDDEN_REFERENCE = "*Shown once you have answered the follow-up.*"
NO_REFERENCE = "*No reference answer: this imported question is practice-only.*"


def assessment_markdown(a: Assessment | PracticeOnly | None) -> str:
    """Score 0-5, each key point covered (with the sentence that covered it) or missed, feedback;
    for a practice-only question, that it is not scored."""
    if a is None:
        return _EMPTY_ASSESSMENT
    if isinstance(a, PracticeOnly):
        return f"### Practice-only: not scored\n\n{a.note}"
    lines = [f"### Score: {a.score:.1f} / 5"]
    if a.fallback:
        lines.append(f"**Graded offline: the LLM failed** ({a.fallback}).")
    elif a.scorer != "offline":
        check = f" · offline check {a.offline_score:.1f}" if a.offline_score is not None else ""
        lines.append(f"<small>Graded by {a.scorer}{check}</small>")
    if a.disagreement:
        lines.append(f"**Scores disagree:** the LLM gave {a.score:.1f}, the offline scorer {a.offline_score:.1f}; "
                     "treat this grade with care.")
    if a.flags:
        lines.append("**Flagged:** " + "; ".join(flag_message(f) for f in a.flags))
    lines.append("")
    for k in a.key_points:
        if k.covered:
            lines.append(f"- **Covered:** {k.text}  \n  <small>by: “{k.evidence}”</small>")
        else:
            lines.append(f"- **Missed:** {k.text}")
    lines.append("")
    lines += [f"> {f}" for f in a.feedback]
    return "\n".join(lines)


def report_frame(report: Report) -> pd.DataFrame:
    """Per-topic scores as a frame for the bar chart (columns: topic, score)."""
    return pd.DataFrame({"topic": [g.name for g in report.by_topic], "score": [g.score for g in report.by_topic]})


def report_summary(report: Report) -> str:
    """The report's headline for the page."""
    if report.overall is None:
        if report.practice_only:
            return (f"### Report\nYou answered {len(report.practice_only)} practice-only question(s); they are not "
                    "scored, so there is no score. The download has your answers.")
        return "### Report\nNo question was answered, so there is nothing to score yet."
    lines = [f"## Report: {report.overall:.1f} / 5 overall" + (" (ended early)" if report.finished_early else ""), ""]
    lines += ["| stage | score | questions |", "|---|---:|---:|"]
    lines += [f"| {g.name} | {g.score:.1f} | {g.questions} |" for g in report.by_stage]
    lines += ["", "**Weak topics to drill:** " + (", ".join(f"{g.name} ({g.score:.1f})" for g in report.weak_topics) or "none")]
    if report.practice_only:
        lines += ["", f"{len(report.practice_only)} practice-only question(s) answered: not scored, not in these averages."]
    if report.usage is not None:
        u = report.usage
        cost = f"${u.cost_usd:.4f}" if u.cost_usd is not None else "cost unknown"
        lines += ["", f"<small>LLM {u.model}: {u.calls} request(s), {u.prompt_tokens:,} prompt + "
                      f"{u.completion_tokens:,} completion tokens, {cost}</small>"]
    return "\n".join(lines)


def progress_frame(p: Progress) -> pd.DataFrame:
    """Every scored main answer as a row for the line chart (columns: at, score, topic, mode)."""
    rows = [{"at": s.at.replace(tzinfo=None), "score": s.score, "topic": t.name, "mode": s.mode} for t in p.topics for s in t.scores]
    return pd.DataFrame(rows, columns=["at", "score", "topic", "mode"]).sort_values("at")


def progress_summary(p: Progress) -> str:
    """The Progress tab's headline: answers, what is due, readiness per stage."""
    answers = sum(t.attempts for t in p.topics)
    if not answers:
        return "### Progress\nNothing answered yet: do an interview or a drill, and your progress shows here."
    lines = [f"### Progress: {answers} scored answers over {p.sessions} session(s)", "",
             f"**Key points due for review now: {p.due_now}**" + ("" if p.due_now or not p.next_review
                                                                   else f" (next on {p.next_review:%Y-%m-%d %H:%M} UTC)"),
             "", "| stage | readiness | topics practised | answers |", "|---|---:|---:|---:|"]
    lines += [f"| {s.name} | {s.readiness:.0%}{' (ready)' if s.ready else ''} | {s.practised} / {s.topics} | {s.attempts} |"
              for s in p.stages if s.attempts or s.stage in ("ml_fundamentals", "deep_learning")]
    lines += ["", f"<small>{p.readiness_method}</small>", "",
              "| topic | answers | recent | retained | due | next review |", "|---|---:|---:|---:|---:|---|"]
    for t in p.topics:
        kept = "-" if t.retained is None else f"{t.retained:.0%}"
        nxt = "-" if t.next_review is None else f"{t.next_review:%Y-%m-%d}"
        lines.append(f"| {t.name} | {t.attempts} | {'-' if t.recent is None else f'{t.recent:.1f}'} | {kept} | {t.due} | {nxt} |")
    return "\n".join(lines)


class InterviewUI:
    """Handlers for the page; one instance serves every browser session (state is the session id)."""

    def __init__(self, runtime: Runtime):
        self.rt = runtime

    # -- helpers
    def resume_choices(self) -> list[tuple[str, str]]:
        rows = self.rt.store.sessions("active", limit=20)
        return [
            (f"{s.updated_at:%Y-%m-%d %H:%M} · {s.config.level} · {', '.join(STAGE_TITLES[x] for x in s.config.stages)} · {s.answered} answered", s.id)
            for s in rows
        ]

    def bank_choices(self) -> list[str]:
        """The banks in the knowledge base (built-in first)."""
        try:
            banks = self.rt.kb.banks()
        except InterviewerError:
            return ["builtin"]
        return sorted(banks, key=lambda b: (b != "builtin", b))

    def _reference_md(self, bank: str, question_id: str, practice_only: bool = False) -> str:
        if practice_only:
            return NO_REFERENCE
        ref = self.rt.kb.reference(bank, question_id)
        points = "\n".join(f"- ({k.weight:.0%}) {k.text}" for k in ref.key_points)
        return f"{ref.reference_answer}\n\n**Rubric key points**\n{points}"

    def _report_outputs(self, sid: str, report: Report | None) -> tuple[Any, Any, Any, Any]:
        if report is None:
            return gr.update(visible=False), gr.update(), gr.update(), gr.update()
        md = to_markdown(report, self.rt.store.turns(sid))
        path = Path(tempfile.gettempdir()) / f"interview-report-{sid}.md"
        path.write_text(md, encoding="utf-8")
        return gr.update(visible=True), report_summary(report), report_frame(report), gr.update(value=str(path), visible=True)

    @staticmethod
    def _chat(started: Started) -> list[dict]:
        return [{"role": "assistant" if m.role == "interviewer" else "user", "content": m.text} for m in started.history]

    # -- handlers
    def start_drill(self, level: str, stages: list[str], n: float, banks: list[str] | None = None):
        """Start a drill: like :meth:`start`, the questions from the review schedule."""
        return self.start(level, stages, n, banks, mode="drill")

    def progress(self, level: str):
        """The Progress tab: summary, score history frame, due items, Markdown download."""
        p = self.rt.engine.progress(level)
        due = "\n".join(due_lines(p.due_items)) if p.due_items else "*Nothing is due for review.*"
        points = f"{sum(len(t.scores) for t in p.topics)} points in the score history"
        path = Path(tempfile.gettempdir()) / f"interview-progress-{level}.md"
        path.write_text(progress_markdown(p), encoding="utf-8")
        return progress_summary(p), progress_frame(p), f"#### Due for review ({p.due_now})\n\n{due}", points, str(path)

    def start(self, level: str, stages: list[str], n: float, banks: list[str] | None = None, mode: str = "interview"):
        if not stages:
            raise gr.Error("Pick at least one stage.")
        try:
            config = SessionConfig(level=level, stages=stages, questions=int(n), bank=",".join(banks or ["builtin"]), mode=mode)
            started = self.rt.engine.start(config)
        except InterviewerError as exc:
            raise gr.Error(str(exc)) from None
        hidden = (gr.update(visible=False), gr.update(), gr.update(), gr.update(visible=False))
        return (started.session_id, self._chat(started), _EMPTY_ASSESSMENT, "", gr.update(interactive=True), *hidden)

    def resume(self, sid: str | None):
        if not sid:
            raise gr.Error("Choose a session to resume.")
        try:
            started = self.rt.engine.resume(sid)
        except InterviewerError as exc:
            raise gr.Error(str(exc)) from None
        last = next((t for t in reversed(self.rt.store.turns(sid)) if t.assessment), None)
        pending = started.pending is not None and started.pending.is_follow_up
        ref = HIDDEN_REFERENCE if pending else (self._reference_md(last.bank, last.question_id, last.practice_only) if last else "")
        shown = _shown(started.last_assessment, pending)
        return (sid, self._chat(started), assessment_markdown(shown), ref,
                gr.update(interactive=started.pending is not None), *self._report_outputs(sid, started.report))

    def send(self, sid: str | None, text: str, history: list[dict]):
        """Answer and return the final outputs (:meth:`send_stream` without the intermediate updates)."""
        out = None
        for out in self.send_stream(sid, text, history):
            pass
        return out

    def send_stream(self, sid: str | None, text: str, history: list[dict]):
        """Generator handler. With a model: the answer appears at once, the assessment when
        graded, then the interviewer's reply as it streams, then the reference and (at the end)
        the report. Offline, where grading and wording take a fraction of a second and the reply
        comes whole, all of it comes in one update (while it runs the chat shows gradio's
        progress): each update costs the server a message, and under a burst of 20 candidates
        the echo alone cost about 10 ms of server CPU a turn and a fifth of the turn time
        (bench_concurrency --burst p95 1.62-1.66 s with it, 1.26-1.34 s without, 2026-12-06)."""
        if not sid:
            raise gr.Error("Start or resume an interview first.")
        if not text or not text.strip():
            raise gr.Error("Type an answer first (or press 'End interview').")
        try:
            events = self.rt.engine.answer_stream(sid, text)
        except InterviewerError as exc:
            raise gr.Error(str(exc)) from None
        keep = gr.update()
        reply = ""
        assessment = keep
        chat = [*history, {"role": "user", "content": text}, {"role": "assistant", "content": "…"}]
        offline = self.rt.judge is None
        if not offline:
            yield ("", chat, assessment, keep, gr.update(interactive=False), *(keep,) * 4)
        for event in _as_ui_errors(events):
            if offline and not isinstance(event, Step):
                continue
            if isinstance(event, Assessed):
                assessment = assessment_markdown(_shown(event.turn.assessment, event.follow_up_next))
            elif isinstance(event, Reset):
                reply = ""
            elif isinstance(event, str):
                reply += event
            elif isinstance(event, Step):
                break
            chat = [*chat[:-1], {"role": "assistant", "content": reply or "…"}]
            # The answer box is left alone: the candidate may start typing the next answer.
            yield (keep, chat, assessment, keep, gr.update(interactive=False), *(keep,) * 4)
        step: Step = event
        chat = [*chat[:-1], {"role": "assistant", "content": step.reply}]
        pending = step.next_turn is not None and step.next_turn.is_follow_up
        # The reference stays hidden while a follow-up on the same question is pending.
        ref = HIDDEN_REFERENCE if pending else self._reference_md(
            step.answered.bank, step.answered.question_id, step.answered.practice_only)
        shown = _shown(step.answered.assessment, pending)
        # The answer box: offline it still holds the answer; with a model the echo emptied it,
        # and the candidate may have started typing the next answer since.
        yield ("" if offline else keep, chat, assessment_markdown(shown), ref,
               gr.update(interactive=step.next_turn is not None), *self._report_outputs(sid, step.report))

    def end(self, sid: str | None, history: list[dict]):
        if not sid:
            raise gr.Error("No interview is running.")
        report, closing = self.rt.engine.end(sid)
        history = [*history, {"role": "assistant", "content": closing}]
        return (history, gr.update(interactive=False), *self._report_outputs(sid, report))


def _as_ui_errors(events):
    """The engine's events, its InterviewerError (raised while they stream) shown as a gradio error."""
    try:
        yield from events
    except InterviewerError as exc:
        raise gr.Error(str(exc)) from None


def _shown(a: Assessment | PracticeOnly | None, follow_up_pending: bool) -> Assessment | PracticeOnly | None:
    """What the candidate may see of an outcome now (a practice-only one has nothing to hide)."""
    if a is None or isinstance(a, PracticeOnly):
        return a
    return visible(a, follow_up_pending)


def build_app(runtime: Runtime) -> gr.Blocks:
    """The Blocks app (not launched). Element ids are stable for browser tests."""
    h = InterviewUI(runtime)
    with gr.Blocks(title="interviewer: ML Engineer mock interview") as demo:
        gr.Markdown("# Mock interview: Machine Learning Engineer")
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Interview", id="interview", elem_id="tab-interview"):
                _session_tab(h, runtime, "")
            with gr.Tab("Drill", id="drill", elem_id="tab-drill"):
                gr.Markdown("Due reviews first (what you missed, most overdue first), then your weakest topics, then "
                            "new questions. Each question says why it came up.")
                _session_tab(h, runtime, "drill-")
            with gr.Tab("Progress", id="progress", elem_id="tab-progress") as progress_tab:
                with gr.Row():
                    p_level = gr.Dropdown(list(LEVELS), value="mid", label="Readiness for level", elem_id="progress-level")
                    p_refresh = gr.Button("Refresh", elem_id="progress-refresh")
                p_summary = gr.Markdown(elem_id="progress-summary")
                p_plot = gr.LinePlot(x="at", y="score", color="topic", y_lim=[0, 5], title="Score over time (0-5)",
                                     elem_id="progress-plot")
                p_points = gr.Markdown(elem_id="progress-points")
                p_due = gr.Markdown(elem_id="progress-due")
                p_download = gr.DownloadButton("Download progress (Markdown)", elem_id="progress-download")
        p_outputs = [p_summary, p_plot, p_due, p_points, p_download]
        p_refresh.click(h.progress, [p_level], p_outputs, api_name="progress")
        p_level.change(h.progress, [p_level], p_outputs, api_name=False)
        progress_tab.select(h.progress, [p_level], p_outputs, api_name=False)
    return demo


def _session_tab(h: InterviewUI, runtime: Runtime, prefix: str) -> None:
    """Setup, chat, assessment and report of an interview (``prefix`` "") or a drill ("drill-").
    Element ids are the interview's with the prefix, stable for browser tests."""
    drill = bool(prefix)
    sid = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1, min_width=250):
            level = gr.Dropdown(list(LEVELS), value="mid", label="Level" + (" of new questions" if drill else ""),
                                elem_id=prefix + "level")
            stages = gr.CheckboxGroup(
                [(STAGE_TITLES[s], s) for s in STAGES], value=list(STAGES) if drill else ["ml_fundamentals"],
                label="Stages", elem_id=prefix + "stages"
            )
            n = gr.Slider(1, 20, value=3 if drill else 5, step=1, label="Questions", elem_id=prefix + "questions")
            banks = gr.Dropdown(h.bank_choices(), value=["builtin"], multiselect=True, label="Question bank(s)",
                                info="Built-in, your imported banks (`interviewer bank import`), or both.",
                                elem_id=prefix + "banks")
            start = gr.Button("Start drill" if drill else "Start interview", variant="primary", elem_id=prefix + "start")
            if not drill:
                with gr.Accordion("Resume an unfinished interview", open=False):
                    resume_dd = gr.Dropdown(choices=h.resume_choices(), label="Unfinished interviews", elem_id="resume-list")
                    refresh = gr.Button("Refresh list", size="sm")
                    resume = gr.Button("Resume", elem_id="resume")
                gr.Markdown(f"<small>Model: {runtime.model_label}</small>", elem_id="model-info")
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Drill" if drill else "Interview", height=520, elem_id=prefix + "chat")
            answer = gr.Textbox(label="Your answer", placeholder="Type your answer, then Send.", lines=4,
                                info=MAX_ANSWER_HINT, elem_id=prefix + "answer")
            with gr.Row():
                send = gr.Button("Send", variant="primary", interactive=False, elem_id=prefix + "send")
                stop = gr.Button("End drill" if drill else "End interview", elem_id=prefix + "end")
        with gr.Column(scale=2):
            gr.Markdown("## Assessment of your last answer")
            assessment = gr.Markdown(_EMPTY_ASSESSMENT, elem_id=prefix + "assessment")
            with gr.Accordion("Reference answer", open=False, elem_id=prefix + "reference-accordion"):
                reference = gr.Markdown(elem_id=prefix + "reference")
    with gr.Column(visible=False, elem_id=prefix + "report") as report_col:
        report_md = gr.Markdown(elem_id=prefix + "report-summary")
        plot = gr.BarPlot(x="topic", y="score", y_lim=[0, 5], title="Score per topic (0-5)", elem_id=prefix + "topic-plot",
                          x_label_angle=-30, sort="y")
        download = gr.DownloadButton("Download report (Markdown)", visible=False, elem_id=prefix + "download")

    report_outputs = [report_col, report_md, plot, download]
    # API names (for gradio_client): start, send, end, resume; drill_start, drill_send, drill_end
    api = prefix.replace("-", "_")
    start.click(h.start_drill if drill else h.start, [level, stages, n, banks],
                [sid, chatbot, assessment, reference, send, *report_outputs], api_name=api + "start")
    if not drill:
        resume.click(h.resume, [resume_dd], [sid, chatbot, assessment, reference, send, *report_outputs], api_name="resume")
        refresh.click(lambda: gr.update(choices=h.resume_choices()), None, resume_dd, api_name=False)
    send_outputs = [answer, chatbot, assessment, reference, send, *report_outputs]
    send.click(h.send_stream, [sid, answer, chatbot], send_outputs, api_name=api + "send")
    answer.submit(h.send_stream, [sid, answer, chatbot], send_outputs, api_name=False)
    stop.click(h.end, [sid, chatbot], [chatbot, send, *report_outputs], api_name=api + "end")


def warm_up(runtime: Runtime) -> threading.Thread:
    """Load the embedding model in the background so the first answer does not wait on it."""
    t = threading.Thread(target=lambda: runtime.embedder.encode(["warm up"]), daemon=True)
    t.start()
    return t


def launch(runtime: Runtime, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Serve the app on host:port and print its address."""
    demo = build_app(runtime)
    warm_up(runtime)
    print(f"interviewer UI on http://{host}:{port}", flush=True)
    raw = os.environ.get("INTERVIEWER_UI_CONCURRENCY", "").strip()
    try:
        limit = int(raw) if raw else UI_CONCURRENCY
    except ValueError:
        raise InterviewerError(f"INTERVIEWER_UI_CONCURRENCY={raw!r} must be a whole number of answers graded at once.") from None
    demo.queue(default_concurrency_limit=max(1, limit)).launch(
        server_name=host, server_port=port, prevent_thread_lock=not block, quiet=True, show_error=True, inbrowser=False
    )
    return demo
