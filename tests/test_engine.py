"""The interview agent: question choice, follow-ups, difficulty, stage order, resume, cross-session drilling.

The engine runs for real over the real knowledge base; only the scorer is scripted, so
each test decides how good an answer was.
"""

from __future__ import annotations

import pytest

from interviewer.errors import InterviewerError
from interviewer.interview.engine import InterviewEngine, stage_quotas
from interviewer.interview.store import SessionStore
from interviewer.interview.voice import OfflineVoice
from interviewer.models import Assessment, KeyPointResult, Reference, SessionConfig


class ScriptedScorer:
    """Grades by keyword: 'strong' covers every key point, 'partial' the lightest one, anything else none."""

    name = "scripted"

    def __init__(self):
        self.seen: list[Reference] = []

    def score(self, answer, reference, *, question=None, focus=None):
        self.seen.append(reference)
        points = [p for p in reference.key_points if focus is None or p.index in focus]
        lightest = min(points, key=lambda p: p.weight).index
        covered = {p.index for p in points} if "strong" in answer else ({lightest} if "partial" in answer else set())
        results = [KeyPointResult(index=p.index, text=p.text, weight=p.weight, covered=p.index in covered,
                                  similarity=0.9 if p.index in covered else 0.1,
                                  evidence=answer if p.index in covered else None) for p in points]
        score = 5.0 if "strong" in answer else (2.5 if "partial" in answer else 0.5)
        return Assessment(score=score, key_points=results, reference_similarity=0.5, scorer=self.name)


@pytest.fixture
def engine(runtime):
    return InterviewEngine(runtime.kb, ScriptedScorer(), OfflineVoice(), runtime.store, runtime.taxonomy.topic_name)


def run(engine, config, answers):
    started = engine.start(config)
    sid, steps = started.session_id, []
    for a in answers:
        step = engine.answer(sid, a)
        steps.append(step)
        if step.next_turn is None:
            break
    return sid, steps


def test_quotas_walk_stages_in_order():
    cfg = SessionConfig(level="mid", stages=["mlops", "screening", "coding"], questions=5)
    assert stage_quotas(cfg) == [("screening", 2), ("mlops", 2), ("coding", 1)]


def test_strong_answers_get_no_follow_up_and_no_repeats(engine):
    cfg = SessionConfig(level="senior", stages=["ml_system_design", "mlops"], questions=6, seed=1)
    sid, steps = run(engine, cfg, ["a strong answer"] * 10)
    turns = engine.store.turns(sid)
    assert len(turns) == 6 and not any(t.is_follow_up for t in turns)
    assert len({t.question_id for t in turns}) == 6
    assert [t.stage for t in turns] == ["ml_system_design"] * 3 + ["mlops"] * 3
    assert steps[-1].report is not None and steps[-1].next_turn is None
    assert "end of the interview" in steps[-1].reply


def test_the_same_seed_asks_the_same_questions(engine):
    """--seed promises a repeatable interview: the questions must not depend on the session's random id."""
    def questions(seed):
        sid, _ = run(engine, SessionConfig(level="mid", stages=["ml_fundamentals", "screening"], questions=4, seed=seed),
                     ["a strong answer"] * 4)
        return [t.question_id for t in engine.store.turns(sid)]

    first = questions(7)
    assert questions(7) == first
    assert any(questions(s) != first for s in (8, 9)), "another seed picks other questions"


def test_follow_up_targets_highest_weight_missed_key_point(engine):
    cfg = SessionConfig(level="mid", stages=["ml_fundamentals"], questions=2, seed=3)
    started = engine.start(cfg)
    step = engine.answer(started.session_id, "a partial answer")
    assert step.next_turn.is_follow_up
    ref = engine.kb.reference("builtin", started.pending.question_id)
    missed = [p for p in ref.key_points if p.index != min(ref.key_points, key=lambda p: p.weight).index]
    top = max(missed, key=lambda p: (p.weight, -p.index))
    assert step.next_turn.follow_up_of == top.index
    assert top.follow_up in step.reply
    # the follow-up answer is graded on that key point alone, then the interview moves on
    after = engine.answer(started.session_id, "still weak")
    assert engine.scorer.seen[-1].question_id == started.pending.question_id
    assert not after.next_turn.is_follow_up and after.next_turn.question_id != started.pending.question_id


def test_at_most_the_configured_follow_ups(engine):
    cfg = SessionConfig(level="junior", stages=["deep_learning"], questions=2, max_follow_ups=2, seed=5)
    sid, _ = run(engine, cfg, ["weak"] * 10)
    turns = engine.store.turns(sid)
    assert [t.is_follow_up for t in turns] == [False, True, True, False, True, True]
    probed = [t.follow_up_of for t in turns[1:3]]
    assert len(set(probed)) == 2, "each follow-up probes a different key point"


def test_difficulty_rises_after_strong_and_falls_after_weak(engine):
    up = SessionConfig(level="mid", stages=["ml_fundamentals"], questions=4, max_follow_ups=0, seed=7)
    sid, _ = run(engine, up, ["strong"] * 4)
    assert engine._target_difficulty(up, engine.store.turns(sid)) == 4
    down = SessionConfig(level="mid", stages=["ml_fundamentals"], questions=4, max_follow_ups=0, seed=7)
    sid, _ = run(engine, down, ["weak"] * 4)
    diffs = [t.difficulty for t in engine.store.turns(sid)]
    assert engine._target_difficulty(down, engine.store.turns(sid)) == 2
    assert diffs[-1] <= diffs[0]


def test_answer_is_saved_before_scoring_and_resume_grades_it(runtime):
    class Exploding(ScriptedScorer):
        def score(self, *a, **k):
            raise RuntimeError("scorer died")

    dying = InterviewEngine(runtime.kb, Exploding(), OfflineVoice(), runtime.store)
    started = dying.start(SessionConfig(level="mid", stages=["coding"], questions=2, seed=2))
    with pytest.raises(RuntimeError):
        dying.answer(started.session_id, "a strong answer about hashing")
    # the same process, scorer fixed: sending again grades the (re-sent) answer
    dying.scorer = ScriptedScorer()
    again = dying.answer(started.session_id, "a strong answer about hashing, again")
    assert again.answered.index == 0 and again.answered.assessment.score == 5.0
    started = dying.start(SessionConfig(level="mid", stages=["coding"], questions=2, seed=2))
    dying.scorer = Exploding()
    with pytest.raises(RuntimeError):
        dying.answer(started.session_id, "a strong answer about hashing")
    # a new process: fresh store connection, working scorer
    store = SessionStore(runtime.settings.db_path)
    engine = InterviewEngine(runtime.kb, ScriptedScorer(), OfflineVoice(), store)
    resumed = engine.resume(started.session_id)
    turns = store.turns(started.session_id)
    assert turns[0].answer == "a strong answer about hashing" and turns[0].assessment.score == 5.0
    assert resumed.pending is not None and resumed.pending.index == 1
    assert [m.role for m in resumed.history] == ["interviewer", "candidate", "interviewer"]


def test_answer_after_the_end_is_refused(engine):
    sid, steps = run(engine, SessionConfig(level="junior", stages=["screening"], questions=1, seed=1), ["strong"])
    assert steps[-1].report is not None
    with pytest.raises(InterviewerError, match="no question waiting"):
        engine.answer(sid, "more")


def test_weak_topics_from_past_sessions_are_drilled(engine):
    cfg = SessionConfig(level="mid", stages=["ml_fundamentals"], questions=3, max_follow_ups=0, seed=11)
    sid, _ = run(engine, cfg, ["weak"] * 3)
    weak_topics = {t.topic for t in engine.store.turns(sid)}
    report = engine.report(sid)
    assert {g.key for g in report.weak_topics} == weak_topics
    # the next session on the same stage asks about those topics first
    started = engine.start(cfg.model_copy(update={"seed": 12}))
    assert started.pending.topic in weak_topics


def test_bank_cell_exhausted_borrows_from_other_levels(engine):
    cfg = SessionConfig(level="junior", stages=["behavioral"], questions=30, max_follow_ups=0, seed=1)
    sid, steps = run(engine, cfg, ["strong"] * 30)
    ids = [t.question_id for t in engine.store.turns(sid)]
    assert len(ids) == len(set(ids)), "never the same question twice"


def test_two_answers_to_one_question_at_once_keep_the_first_and_refuse_the_second(runtime):
    """Two windows on one interview: the second answer waits for the first to be graded, then is
    refused with a message; it does not overwrite the first or get graded against its question."""
    import threading

    grading, release = threading.Event(), threading.Event()

    class SlowScorer(ScriptedScorer):
        def score(self, answer, reference, **kw):
            if "first" in answer:
                grading.set()
                release.wait(10)
            return super().score(answer, reference, **kw)

    engine = InterviewEngine(runtime.kb, SlowScorer(), OfflineVoice(), runtime.store, runtime.taxonomy.topic_name)
    sid = engine.start(SessionConfig(level="mid", stages=["screening"], questions=2, seed=3)).session_id
    outcome: dict[str, object] = {}

    def answer(name, text):
        try:
            outcome[name] = engine.answer(sid, text)
        except InterviewerError as exc:
            outcome[name] = exc

    first = threading.Thread(target=answer, args=("first", "strong first answer"))
    first.start()
    assert grading.wait(10)
    second = threading.Thread(target=answer, args=("second", "partial second answer"))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second answer must wait while the first is graded"
    release.set()
    first.join(10)
    second.join(10)
    assert not isinstance(outcome["first"], InterviewerError)
    assert isinstance(outcome["second"], InterviewerError) and "graded first" in str(outcome["second"])
    answered = [t for t in engine.store.turns(sid) if t.answer is not None]
    assert [(t.answer, t.assessment.score) for t in answered] == [("strong first answer", 5.0)]
