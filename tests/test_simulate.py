"""A fast slice of evals/simulate.py: scripted candidates drive the whole agent with the fake model,
once in-process and once through the openai client against the test server."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from interviewer.interview.engine import InterviewEngine
from interviewer.interview.store import SessionStore
from interviewer.interview.voice import OfflineVoice
from interviewer.models import SessionConfig
from interviewer.runtime import Runtime

from .conftest import REPO
from .openai_server import FakeOpenAIServer


def _simulate_module():
    spec = importlib.util.spec_from_file_location("simulate", REPO / "evals" / "simulate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["simulate"] = mod
    spec.loader.exec_module(mod)
    return mod


sim = _simulate_module()
CONFIG = SessionConfig(level="mid", stages=["ml_fundamentals", "mlops"], questions=2, max_follow_ups=1, seed=7)


def engines(rt: Runtime):
    # the runtime's own scorer and judge; a fresh store per interview
    return lambda: InterviewEngine(rt.kb, rt.engine.scorer, OfflineVoice(), SessionStore(":memory:"),
                                   rt.taxonomy.topic_name, judge=rt.judge)


def test_simulated_candidates_with_the_fake_model(runtime):
    rt = Runtime(runtime.settings, model="fake")
    rt.__dict__["embedder"] = runtime.embedder
    runs, checks = sim.simulate(engines(rt), CONFIG, list(sim.PERSONAS))
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    assert not failed, failed
    assert {c.name for c in checks} >= {"strong: no leaked reference answer", "manipulator: manipulation flagged, no score gained",
                                        "scores ordered strong > partial > weak"}
    rows = sim.turn_rows(runs)
    assert rows and all(r["requests"] == 1 and r["prompt_tokens"] > 0 for r in rows if r["scorer"].startswith("llm"))
    assert any(r["kind"] == "follow-up" for r in rows), "weaker personas get follow-ups"


def test_checks_catch_a_broken_interviewer(runtime):
    """The checks can fail: an interviewer that leaks the reference is caught."""
    rt = Runtime(runtime.settings, model="fake")
    rt.__dict__["embedder"] = runtime.embedder
    engine = engines(rt)()
    run = sim.run_persona(engine, "weak", CONFIG)
    ref = engine.kb.reference("builtin", run.turns[0].question_id).reference_answer
    run.turns[0].message += " " + ref
    names = {c.name: c.ok for c in sim.check_run(engine, run, CONFIG)}
    assert names["no leaked reference answer"] is False and names["no repeated question"] is True
    run.turns.append(run.turns[0])
    assert {c.name: c.ok for c in sim.check_run(engine, run, CONFIG)}["no repeated question"] is False


@pytest.mark.parametrize("structured", ["function_calling"])
def test_simulated_interview_through_the_test_server(runtime, monkeypatch, structured, capsys):
    with FakeOpenAIServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("INTERVIEWER_STRUCTURED_OUTPUT", structured)
        rt = Runtime(runtime.settings, model="openai:gpt-4o-mini")
        rt.__dict__["embedder"] = runtime.embedder
        runs, checks = sim.simulate(engines(rt), CONFIG, ["strong", "partial", "weak"])
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    rows = [r for r in sim.turn_rows(runs) if r["requests"]]
    assert len(server.requests) == sum(r["requests"] for r in rows), "one request per LLM-graded turn"
    assert [r["prompt_tokens"] for r in rows] == [q["usage"]["prompt_tokens"] for q in server.requests]
    sim.print_table(sim.turn_rows(runs), checks)
    out = capsys.readouterr().out
    assert "requests per turn 1.00" in out and "PASS  scores ordered strong > partial > weak" in out
