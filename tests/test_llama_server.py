"""LLM mode against llama.cpp's own OpenAI-compatible server (llama-cpp-python), a server this
project did not write, serving a tiny random-weight model (tests/tiny_gguf.py). Its output is
noise held to the JSON grammar: the client must find the mode the server supports, take one
request per answer, clamp what the model returns, and lose nothing."""

from __future__ import annotations

import pytest

from interviewer.models import SessionConfig
from interviewer.runtime import Runtime

from .llama_server import LlamaServer, available

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    if not available():
        pytest.skip("llama-cpp-python[server] is not installed (`make test` installs it)")
    with LlamaServer(tmp_path_factory.mktemp("llama")) as server:
        yield server


def test_a_whole_interview_through_llama_cpp_costs_one_request_per_answer(runtime, llama, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", llama.url)
    monkeypatch.delenv("INTERVIEWER_STRUCTURED_OUTPUT", raising=False)
    monkeypatch.setenv("INTERVIEWER_STREAM", "1")
    monkeypatch.setenv("INTERVIEWER_LLM_TIMEOUT", "60")
    rt = Runtime(runtime.settings, model=f"openai:{llama.model}")
    rt.__dict__["embedder"] = runtime.embedder
    rt.check_model()
    # llama.cpp refuses response_format json_schema (HTTP 500) and sends no chunks for a
    # streamed tool call; the probe must land on a mode it does serve
    assert rt.llm.structured in ("function_calling", "json_object")
    assert "found at start" in rt.model_label and "json schema" not in rt.model_label

    started = rt.engine.start(SessionConfig(level="junior", stages=["ml_fundamentals", "deep_learning"],
                                            questions=2, max_follow_ups=1, seed=5))
    sid, pending, answers = started.session_id, started.pending, []
    while pending is not None:
        ref = rt.kb.reference("builtin", pending.question_id)
        answers.append("Partly: " + min(ref.key_points, key=lambda p: p.weight).text)
        step = rt.engine.answer(sid, answers[-1])
        assert step.reply.strip(), "the candidate always gets a next message"
        pending = step.next_turn
    turns = [t for t in rt.store.turns(sid) if t.answered]
    assert [t.answer for t in turns] == answers, "no answer lost"
    for t in turns:
        a = t.assessment
        assert t.llm.calls == 1 and not t.llm.faults, t.llm.faults
        assert a.scorer.startswith("llm:openai:tiny"), a.scorer
        assert 0 <= a.score <= 5 and a.offline_score is not None
        assert t.llm.prompt_tokens > 1000 and t.llm.completion_tokens > 0, "the server's own token counts"
        # quotes the model invents are not in the answer, so they never count as evidence
        assert all(k.evidence is None or k.evidence in t.answer for k in a.key_points)
    report = rt.engine.report(sid)
    assert report.overall is not None and report.usage.calls == len(turns)
