"""LLM mode end to end: whole interviews through LangChain's ChatOpenAI and the openai client against
a real HTTP server on 127.0.0.1 (tests/openai_server.py), with streaming and plain replies,
structured output as json_schema and as tool calls, and every fault injected."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from interviewer.interview.engine import Assessed, Reset, Step
from interviewer.interview.report import to_markdown
from interviewer.interview.store import SessionStore
from interviewer.llm.leaks import REFERENCE_SPAN, leaked_span
from interviewer.llm.providers import DEFAULT_MAX_TOKENS
from interviewer.models import SessionConfig
from interviewer.runtime import Runtime

from .conftest import VENV_BIN
from .openai_server import FakeOpenAIServer

MODEL = "openai:gpt-4o-mini"
#: Seconds before a request times out in these tests; the server stalls longer than this.
TIMEOUT = 1.5


@pytest.fixture
def server():
    with FakeOpenAIServer() as s:
        s.stall_seconds = 4 * TIMEOUT
        yield s


def llm_runtime(runtime, server, monkeypatch, structured="json_schema", stream=True) -> Runtime:
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("INTERVIEWER_STRUCTURED_OUTPUT", structured)
    monkeypatch.setenv("INTERVIEWER_STREAM", "1" if stream else "0")
    monkeypatch.setenv("INTERVIEWER_LLM_TIMEOUT", str(TIMEOUT))
    rt = Runtime(runtime.settings, model=MODEL)
    rt.__dict__["embedder"] = runtime.embedder
    rt.check_model()
    return rt


def answer_for(rt, turn) -> str:
    """A partial answer: the main question's lightest key point (so a follow-up comes), the probed point on a follow-up."""
    ref = rt.kb.reference("builtin", turn.question_id)
    if turn.is_follow_up:
        return next(p.text for p in ref.key_points if p.index == turn.follow_up_of)
    return "I would say this: " + min(ref.key_points, key=lambda p: p.weight).text


def play(rt, sid, text):
    """Answer one turn through the stream; returns (events, step)."""
    evs = list(rt.engine.answer_stream(sid, text))
    assert isinstance(evs[0], Assessed) and isinstance(evs[-1], Step)
    return evs, evs[-1]


def after_last_reset(evs) -> str:
    last = max((i for i, e in enumerate(evs) if isinstance(e, Reset)), default=-1)
    return "".join(e for e in evs[last + 1 :] if isinstance(e, str))


@pytest.mark.parametrize("structured", ["json_schema", "function_calling"])
@pytest.mark.parametrize("stream", [True, False], ids=["streaming", "plain"])
def test_whole_interview_through_the_openai_client(runtime, server, monkeypatch, structured, stream):
    rt = llm_runtime(runtime, server, monkeypatch, structured, stream)
    started = rt.engine.start(SessionConfig(level="junior", stages=["ml_fundamentals", "deep_learning"], questions=2, seed=5))
    sid, pending, pieces = started.session_id, started.pending, []
    while pending is not None:
        evs, step = play(rt, sid, answer_for(rt, pending))
        assert not any(isinstance(e, Reset) for e in evs)
        text = [e for e in evs if isinstance(e, str)]
        assert "".join(text) == step.reply, "what streamed is what was stored"
        pieces.append(len(text))
        pending = step.next_turn
    turns = rt.store.turns(sid)
    assert [t.stage for t in turns if not t.is_follow_up] == ["ml_fundamentals", "deep_learning"]
    follow_ups = [t for t in turns if t.is_follow_up]
    assert follow_ups and all(t.message.startswith('You said "I would say this') for t in follow_ups), \
        "follow-ups are worded around the candidate's own answer"
    # one request per answered turn, shaped as asked
    assert len(server.requests) == len(turns)
    for r in server.requests:
        body = r["body"]
        assert body["model"] == "gpt-4o-mini" and bool(body.get("stream")) == stream
        # the completion cap, under OpenAI's name and the one llama.cpp and Ollama read
        assert body["max_completion_tokens"] == body["max_tokens"] == DEFAULT_MAX_TOKENS
        if structured == "json_schema":
            assert body["response_format"]["type"] == "json_schema" and body["response_format"]["json_schema"]["strict"] is True
            assert "tools" not in body
        else:
            assert body["tools"][0]["function"]["name"] == "TurnVerdict" and "response_format" not in body
            assert body["tool_choice"]["function"]["name"] == "TurnVerdict"
        if stream:
            assert body["stream_options"] == {"include_usage": True}
    assert (max(pieces) > 3) if stream else (max(pieces) <= 2), "the reply streams in pieces only when streaming"
    # every turn graded by the model, its prompt, and the tokens the server reported
    for t, r in zip(turns, server.requests):
        assert t.assessment.scorer == "llm:" + MODEL and t.assessment.offline_score is not None
        assert (t.prompt, t.prompt_version) == ("interview_turn", "1")
        assert (t.llm.calls, t.llm.prompt_tokens, t.llm.completion_tokens) == (
            1, r["usage"]["prompt_tokens"], r["usage"]["completion_tokens"])
        assert t.llm.cost_usd == pytest.approx((t.llm.prompt_tokens * 0.15 + t.llm.completion_tokens * 0.60) / 1e6)
    report = rt.engine.report(sid)
    assert report.usage.calls == len(turns)
    assert report.usage.prompt_tokens == sum(r["usage"]["prompt_tokens"] for r in server.requests)
    md = to_markdown(report, turns)
    assert "## LLM usage" in md and f"{report.usage.prompt_tokens:,} prompt" in md and "cost $" in md
    # nothing the candidate saw before answering gives away that question's reference answer
    for t in turns:
        ref = rt.kb.reference("builtin", t.question_id).reference_answer
        earlier = [u.answer for u in turns if u.index < t.index]
        assert leaked_span(t.message, [(ref, REFERENCE_SPAN)], allowed=[t.question, *earlier]) is None


def one_question(rt, follow_ups=0):
    started = rt.engine.start(SessionConfig(level="mid", stages=["ml_fundamentals"], questions=2,
                                            max_follow_ups=follow_ups, seed=9))
    return started.session_id, started.pending


EXPECTED = {
    "timeout": f"no reply within {TIMEOUT:g} s",
    "429": "rate limited (429)",
    "500": "server error 500",
    "unusable": "no JSON object in the reply",
}


@pytest.mark.parametrize("fault", ["malformed", "invalid"])
def test_a_broken_or_schema_invalid_reply_is_used_in_part_without_another_request(runtime, server, monkeypatch, fault):
    """Cut-off JSON (repaired) and a score of 7.5 are the model's faults, not a reason to ask again."""
    rt = llm_runtime(runtime, server, monkeypatch)
    sid, pending = one_question(rt)
    server.faults.append(fault)
    text = answer_for(rt, pending)
    _, step = play(rt, sid, text)
    a, u = step.answered.assessment, step.answered.llm
    assert u.calls == 1 and len(server.requests) == 1 and a.fallback is None
    assert a.scorer.startswith("llm:" + MODEL + " (") and 0 <= a.score <= 5
    if fault == "invalid":
        assert "score 7.5 outside 0-5" in a.scorer
    assert rt.store.turns(sid)[0].answer == text


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_one_fault_is_retried_within_the_turn(runtime, server, monkeypatch, fault):
    rt = llm_runtime(runtime, server, monkeypatch)
    sid, pending = one_question(rt)
    server.faults.append(fault)
    t0 = time.monotonic()
    _, step = play(rt, sid, answer_for(rt, pending))
    elapsed = time.monotonic() - t0
    a, u = step.answered.assessment, step.answered.llm
    assert a.scorer == "llm:" + MODEL and a.fallback is None
    assert u.calls == 2 and len(server.requests) == 2 and EXPECTED[fault] in u.faults[0]
    if fault == "429":
        assert elapsed >= 1.0, "Retry-After: 1 was obeyed"
    if fault == "timeout":
        assert elapsed >= TIMEOUT


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_persistent_fault_falls_back_to_offline_and_loses_nothing(runtime, server, monkeypatch, fault):
    from ui.app import assessment_markdown

    rt = llm_runtime(runtime, server, monkeypatch)
    sid, pending = one_question(rt)
    server.faults.extend([fault] * 3)
    text = answer_for(rt, pending)
    _, step = play(rt, sid, text)
    a, u = step.answered.assessment, step.answered.llm
    assert a.scorer.startswith("offline (LLM failed: ") and EXPECTED[fault] in a.scorer and "after 3 request(s)" in a.scorer
    assert a.fallback and u.calls == 3 and len(server.requests) == 3
    assert "Graded offline: the LLM failed" in assessment_markdown(a)
    stored = rt.store.turns(sid)
    assert stored[0].answer == text and stored[0].assessment.score == a.score
    assert step.next_turn is not None and "Question 2 of 2" in step.reply and "You said" not in step.reply
    # the server recovers: the next turn is graded by the model again
    _, step = play(rt, sid, answer_for(rt, step.next_turn))
    assert step.answered.assessment.scorer == "llm:" + MODEL
    assert "failed request(s)" in to_markdown(rt.engine.report(sid), rt.store.turns(sid))


def test_a_retry_after_longer_than_the_candidate_should_wait_falls_back_at_once(runtime, server, monkeypatch):
    rt = llm_runtime(runtime, server, monkeypatch)
    sid, pending = one_question(rt)
    server.retry_after = "120"
    server.faults.append("429")
    t0 = time.monotonic()
    _, step = play(rt, sid, answer_for(rt, pending))
    assert time.monotonic() - t0 < 30 and len(server.requests) == 1
    assert "the server asked to wait 120 s" in step.answered.assessment.scorer


@pytest.mark.parametrize("fault", ["disconnect", "stall"])
def test_stream_that_breaks_after_grading_keeps_the_grade_and_words_offline(runtime, server, monkeypatch, fault):
    rt = llm_runtime(runtime, server, monkeypatch)
    sid, pending = one_question(rt, follow_ups=1)
    server.faults.append(fault)
    evs, step = play(rt, sid, answer_for(rt, pending))
    a, u = step.answered.assessment, step.answered.llm
    assert a.scorer == "llm:" + MODEL, "the grade arrived before the break and stands"
    assert u.calls == 1 and "after grading" in u.faults[0]
    assert any(isinstance(e, Reset) for e in evs), "the half-streamed wording is withdrawn"
    assert after_last_reset(evs) == step.reply and "You said" not in step.reply
    assert step.next_turn.is_follow_up and step.next_turn.question in step.reply, "offline wording of the same follow-up"


def test_answer_is_saved_before_the_model_is_called(runtime, server, monkeypatch):
    rt = llm_runtime(runtime, server, monkeypatch)
    sid, pending = one_question(rt)
    other_process = SessionStore(rt.settings.db_path)
    seen = []
    server.on_request = lambda body: seen.append(other_process.turns(sid)[-1].answer)
    server.faults.extend(["500"] * 3)
    play(rt, sid, "My answer, which must never be lost.")
    assert seen == ["My answer, which must never be lost."] * 3


def test_resume_asks_the_next_question_when_the_process_died_after_grading(runtime, server, monkeypatch):
    rt = llm_runtime(runtime, server, monkeypatch)
    sid, pending = one_question(rt)
    _, step = play(rt, sid, answer_for(rt, pending))
    rt.store.db.execute("DELETE FROM turns WHERE session_id = ? AND idx = ?", (sid, step.next_turn.index))
    resumed = rt.engine.resume(sid)
    assert resumed.pending is not None and resumed.pending.index == step.next_turn.index
    assert resumed.history[-1].text.endswith(resumed.pending.question)


def test_ui_streams_the_reply_and_names_the_model(runtime, server, monkeypatch):
    from ui.app import InterviewUI, build_app

    rt = llm_runtime(runtime, server, monkeypatch)
    demo = build_app(rt)
    info = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "model-info")
    assert f"LLM {MODEL} at {server.url}" in info.value
    h = InterviewUI(rt)
    sid, chat, *_ = h.start("mid", ["ml_fundamentals"], 2)
    pending = rt.store.turns(sid)[-1]
    updates = list(h.send_stream(sid, answer_for(rt, pending), chat))
    replies = [u[1][-1]["content"] for u in updates]
    assert updates[0][1][-2] == {"role": "user", "content": answer_for(rt, pending)}, "the answer shows at once"
    growing = [r for r in replies if r != "…"]
    assert len(set(growing)) > 2 and all(b.startswith(a) for a, b in zip(growing, growing[1:])), "the reply grows as it streams"
    assert "Graded by llm:" + MODEL in updates[-1][2]
    server.faults.extend(["500"] * 3)
    out = h.send(sid, answer_for(rt, rt.store.turns(sid)[-1]), updates[-1][1])
    assert "Graded offline: the LLM failed" in out[2] and "server error 500" in out[2]


def test_terminal_chat_streams_from_the_server(cli_env, server):
    env = dict(cli_env, OPENAI_BASE_URL=server.url, INTERVIEWER_MODEL=MODEL, INTERVIEWER_STRUCTURED_OUTPUT="function_calling")
    answers = "Regularization adds a penalty on the weights to the loss.\nI am not sure.\n"
    proc = subprocess.run([str(VENV_BIN / "interviewer"), "chat", "--level", "junior", "--stages", "ml_fundamentals",
                           "--questions", "1", "--seed", "2"], input=answers, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"Model: LLM {MODEL} at {server.url} (streaming, function calling)" in proc.stderr
    assert "Graded by: llm:" + MODEL in proc.stdout and "## LLM usage" in proc.stdout
    assert len(server.requests) >= 1 and all(r["body"].get("stream") for r in server.requests)


def test_fake_model_from_the_command_line(cli_env):
    answers = "Regularization adds a penalty on the weights to the loss.\nI am not sure.\n\n"
    proc = subprocess.run([str(VENV_BIN / "interviewer"), "chat", "--model", "fake", "--level", "junior", "--stages",
                           "ml_fundamentals", "--questions", "2", "--seed", "2", "--json"],
                          input=answers, capture_output=True, text=True, env=cli_env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    turns, report = rows[:-1], rows[-1]
    graded = [r for r in turns if r["answer"].strip()]
    assert graded and all(r["scorer"] == "llm:fake" and r["prompt"] == "interview_turn" and r["llm"]["calls"] == 1
                          for r in graded)
    assert report["usage"]["calls"] == len(graded) and report["usage"]["cost_usd"] == 0.0


# --------------------------------------------------------------------------- what real servers send

from .openai_server import MODES  # noqa: E402


def is_probe(record: dict) -> bool:
    return "probe" in json.dumps(record["body"].get("response_format") or record["body"].get("tools") or "")


@pytest.mark.parametrize("mode", MODES)
def test_each_server_behaviour_costs_one_request_per_answer_and_is_graded_by_the_llm(runtime, server, monkeypatch, mode):
    """The mode is found at start (no INTERVIEWER_STRUCTURED_OUTPUT); then every answer takes one
    request, is graded by the LLM (key points it gave no verdict for marked as the offline
    scorer's), and is stored."""
    server.mode = mode
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.delenv("INTERVIEWER_STRUCTURED_OUTPUT", raising=False)
    monkeypatch.setenv("INTERVIEWER_STREAM", "1")
    monkeypatch.setenv("INTERVIEWER_LLM_TIMEOUT", str(TIMEOUT))
    rt = Runtime(runtime.settings, model=MODEL)
    rt.__dict__["embedder"] = runtime.embedder
    rt.check_model()
    assert rt.llm.structured == ("function_calling" if mode == "no_json_schema" else "json_schema")
    assert "found at start" in rt.model_label
    probes = len(server.requests)
    # json_schema tried plainly and streamed; with no json_schema, the tool call plainly and streamed after it
    assert probes == (3 if mode == "no_json_schema" else 2) and all(is_probe(r) for r in server.requests)
    started = rt.engine.start(SessionConfig(level="junior", stages=["ml_fundamentals", "deep_learning"], questions=2, seed=5))
    sid, pending, answers = started.session_id, started.pending, []
    while pending is not None:
        answers.append(answer_for(rt, pending))
        _, step = play(rt, sid, answers[-1])
        pending = step.next_turn
    turns = [t for t in rt.store.turns(sid) if t.answered]
    assert [t.answer for t in turns] == answers, "no answer lost"
    assert len(server.requests) - probes == len(turns), "one request per answer"
    assert all(t.assessment.scorer.startswith("llm:") for t in turns)
    assert all(t.llm.calls == 1 and not t.llm.faults for t in turns)
    assert all(0 <= t.assessment.score <= 5 for t in turns)
    if mode == "partial":
        assert all(any(k.offline_verdict for k in t.assessment.key_points) for t in turns if len(t.assessment.key_points) > 1)
    if mode == "no_usage":
        assert all(t.llm.estimated and t.llm.prompt_tokens > 0 for t in turns)
