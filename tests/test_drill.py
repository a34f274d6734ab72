"""Spaced review and drills: key points missed in an interview come back in drills, the same day and
then at growing intervals, until they are answered well; progress shows it; nothing is lost on a crash."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from fsrs import Rating

from interviewer.interview.drill import next_pick
from interviewer.interview.engine import InterviewEngine
from interviewer.interview.review import rating_for, replay
from interviewer.interview.store import SessionStore
from interviewer.interview.voice import OfflineVoice
from interviewer.models import Assessment, KeyPointResult, SessionConfig

from .conftest import VENV_BIN

DAY1 = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
WEAK = "I am not sure, I think it depends on the data."


class Clock:
    """A clock the test moves forward."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock():
    return Clock(DAY1)


@pytest.fixture
def engine(runtime, clock):
    store = SessionStore(":memory:", clock=clock)
    return InterviewEngine(runtime.kb, runtime.engine.scorer, OfflineVoice(), store, runtime.taxonomy.topic_name)


def run(engine, config, answer):
    """Play a whole session; ``answer(turn)`` gives each answer. Returns the session's turns."""
    started = engine.start(config)
    pending = started.pending
    while pending is not None:
        pending = engine.answer(started.session_id, answer(pending)).next_turn
    return engine.store.turns(started.session_id)


def well(engine):
    """Answers with the reference answer (main) or the probed key point (follow-up)."""
    def answer(turn):
        ref = engine.kb.reference(turn.bank, turn.question_id)
        if turn.is_follow_up:
            return next(p.text for p in ref.key_points if p.index == turn.follow_up_of)
        return ref.reference_answer + " " + " ".join(p.text for p in ref.key_points)
    return answer


def drill(n=1, follow_ups=0, stages=("ml_fundamentals",)):
    return SessionConfig(level="mid", stages=list(stages), questions=n, max_follow_ups=follow_ups, mode="drill", seed=1)


def test_ratings_follow_the_assessment():
    def kp(covered, credit):
        return KeyPointResult(index=0, text="A key point.", weight=1.0, covered=covered, similarity=0.5, credit=credit)

    a = Assessment(score=2.0, key_points=[], reference_similarity=0.5)
    strong = a.model_copy(update={"score": 4.5})
    assert rating_for(kp(False, 0.0), a) == Rating.Again
    assert rating_for(kp(False, 0.3), a) == Rating.Hard
    assert rating_for(kp(True, 0.8), a) == Rating.Good
    assert rating_for(kp(True, 0.8), strong) == Rating.Easy
    # recalled only when a follow-up named it: hint-assisted
    assert rating_for(kp(True, 0.9), a, follow_up=True) == Rating.Hard
    assert rating_for(kp(False, 0.3), a, follow_up=True) == Rating.Again


def test_missed_points_come_back_the_same_day_then_at_growing_intervals_until_known(engine, clock):
    interview = run(engine, SessionConfig(level="mid", stages=["ml_fundamentals"], questions=1, max_follow_ups=0, seed=4),
                    lambda t: WEAK)
    target = (interview[0].bank, interview[0].question_id)
    items = engine.store.review_items()
    assert {i.question_id for i in items} == {target[1]} and all(i.last_rating == Rating.Again for i in items)
    report = engine.report(interview[0].session_id)
    assert len(report.due_for_review) == len(items), "the report ends with what is due"

    asked_on: list[int] = []
    for day in range(0, 60):
        clock.now = DAY1 + timedelta(days=day, hours=2)
        due = any(i.due <= clock.now for i in engine.store.review_items() if (i.bank, i.question_id) == target)
        if due:  # the only item there is: a drill asks it first
            first = run(engine, drill(), well(engine))[0]
            assert (first.bank, first.question_id) == target, f"day {day}: the due question is asked first"
            assert re.match(r"(missed|partly made|made|made well) on \d+ \w+: ", first.drill_reason), first.drill_reason
            assert first.due <= clock.now
            assert day > 0 or first.drill_reason.startswith("missed on 2 Dec")
            asked_on.append(day)
        else:  # what a drill would ask today (not answered, so the schedule stays one item)
            pick = next_pick(kb=engine.kb, items=engine.store.review_items(), history=engine.store.answered_turns(),
                             now=clock.now, stages=["ml_fundamentals"], banks=["builtin"], level="mid", asked=set())
            assert pick.kind == "new" and pick.candidate.card.id != target[1], f"day {day}: not due, not asked"
    assert asked_on[0] == 0, "missed on day 1, drilled on day 1"
    gaps = [b - a for a, b in zip(asked_on, asked_on[1:])]
    assert gaps and all(b > a for a, b in zip(gaps, gaps[1:])), f"intervals grow: {asked_on}"
    assert len(asked_on) <= 4 and asked_on[-1] < 45, f"answered well several times, it stops coming back: {asked_on}"


def test_a_drill_follows_up_on_the_due_point_when_it_is_missed_again(engine, clock):
    run(engine, SessionConfig(level="mid", stages=["ml_fundamentals"], questions=1, max_follow_ups=0, seed=4), lambda t: WEAK)
    clock.advance(hours=1)

    def another_point(turn):  # makes one key point, not the due one
        ref = engine.kb.reference(turn.bank, turn.question_id)
        return next(p.text for p in ref.key_points if p.index != turn.drill_point) if not turn.is_follow_up else WEAK

    turns = run(engine, drill(follow_ups=1), another_point)
    main, follow = turns[0], turns[1]
    assert main.drill_point is not None and follow.is_follow_up and follow.follow_up_of == main.drill_point
    assert follow.drill_reason.startswith("follow-up on: missed on 2 Dec")


def test_a_drill_with_no_history_asks_new_questions_and_says_so(engine):
    turns = run(engine, drill(n=2, stages=("deep_learning",)), well(engine))
    mains = [t for t in turns if not t.is_follow_up]
    assert len(mains) == 2 and all(t.drill_reason.startswith("a new question") for t in mains)
    assert len({t.question_id for t in mains}) == 2


def test_progress_counts_interviews_and_drills_and_the_schedule_replays(engine, clock):
    first = run(engine, SessionConfig(level="mid", stages=["ml_fundamentals"], questions=2, max_follow_ups=1, seed=4),
                lambda t: WEAK)
    clock.advance(hours=3)
    second = run(engine, drill(n=2, follow_ups=1), well(engine))
    p = engine.progress("mid")
    assert p.sessions == 2
    sessions = {s.session_id for t in p.topics for s in t.scores}
    assert sessions == {first[0].session_id, second[0].session_id}
    assert sum(t.attempts for t in p.topics) == 4
    modes = {s.mode for t in p.topics for s in t.scores}
    assert modes == {"interview", "drill"}
    drilled = next(t for t in p.topics if t.topic == first[0].topic)
    assert [round(s.score) for s in drilled.scores][0] <= 1 and drilled.scores[-1].score >= 3, "the chart goes up"
    ml = next(s for s in p.stages if s.stage == "ml_fundamentals")
    assert ml.attempts == 4 and ml.practised >= 1 and 0 < ml.readiness < 1
    # the schedule is a function of the review log alone
    stored = {i.key: i for i in engine.store.review_items()}
    rebuilt = replay(engine.store.review_log(), stored)
    assert {k: (i.card, i.due) for k, i in rebuilt.items()} == {k: (i.card, i.due) for k, i in stored.items()}


def _wait_for_lines(proc, n, timeout=240):
    lines, deadline = [], time.monotonic() + timeout
    while len(lines) < n and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
    return lines


@pytest.mark.slow
def test_cli_drill_progress_kill_and_anki_export(cli_env, home, tmp_path):
    interviewer = str(VENV_BIN / "interviewer")
    out = subprocess.run([interviewer, "chat", "--level", "mid", "--stages", "ml_fundamentals", "-n", "2",
                          "--follow-ups", "0", "--json", "--seed", "3"],
                         input=f"{WEAK}\nno idea\n", capture_output=True, text=True, env=cli_env, timeout=300)
    assert out.returncode == 0, out.stderr
    prog = json.loads(subprocess.run([interviewer, "progress", "--json"], capture_output=True, text=True,
                                     env=cli_env, timeout=300, check=True).stdout)
    assert prog["type"] == "progress" and prog["due_now"] > 0
    topic = prog["topics"][0]
    assert {"topic", "name", "attempts", "scores", "due", "next_review"} <= set(topic) and topic["scores"][0]["at"]

    # a drill killed while it runs: the answer is saved, and the schedule matches a replay of the log
    proc = subprocess.Popen([interviewer, "drill", "-n", "3", "--follow-ups", "0", "--json", "--stages", "ml_fundamentals"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=cli_env, start_new_session=True)
    proc.stdin.write("Strongly correlated features make coefficients unstable.\n")
    proc.stdin.flush()
    first = _wait_for_lines(proc, 1)
    assert first, proc.stderr.read()
    rec = json.loads(first[0])
    assert rec["type"] == "turn" and rec["drill_reason"] and rec["due"]
    proc.stdin.write("A second answer that the kill may interrupt.\n")
    proc.stdin.flush()
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    db = home / "interviewer.db"
    with sqlite3.connect(db) as con:
        sid = con.execute("SELECT id FROM sessions WHERE config LIKE '%\"drill\"%'").fetchone()[0]
    out = subprocess.run([interviewer, "drill", "--resume", sid, "--json"], input="Another answer.\nAnd one more.\n",
                         capture_output=True, text=True, env=cli_env, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    assert lines[-1]["type"] == "report" and all(r["drill_reason"] for r in lines if r["type"] == "turn")
    store = SessionStore(db)
    stored = {i.key: i for i in store.review_items()}
    rebuilt = replay(store.review_log(), stored)
    assert {k: i.card for k, i in rebuilt.items()} == {k: i.card for k, i in stored.items()}
    answered = [t.answer for t in store.turns(sid) if t.answer]
    assert answered[0].startswith("Strongly correlated") and "Another answer." in answered

    deck = tmp_path / "deck.apkg"
    out = subprocess.run([interviewer, "drill", "export", "--anki", str(deck)], capture_output=True, text=True,
                         env=cli_env, timeout=300)
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(deck) as z:
        z.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as con:
        notes = con.execute("SELECT n.tags, n.flds FROM notes n JOIN cards c ON c.nid = n.id ORDER BY c.due").fetchall()
    assert len(notes) > 100 and "missed" in notes[0][0] and "missed" not in notes[-1][0]
    assert "You missed" not in notes[-1][1]
