"""Session store: turns round-trip, sessions list, a corrupted database gets a clear message."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from interviewer.errors import SessionNotFoundError, StoreCorruptError
from interviewer.interview.store import SessionStore
from interviewer.models import SessionConfig, Turn

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def _turn(sid: str, i: int, **kw) -> Turn:
    return Turn(session_id=sid, index=i, question_id="q1", stage="coding", topic="algorithms", level="mid",
                difficulty=3, question="Explain binary search.", asked_at=NOW, **kw)


def test_turns_round_trip_and_survive_reopen(tmp_path):
    path = tmp_path / "db.sqlite"
    store = SessionStore(path, clock=lambda: NOW)
    sid = store.create_session(SessionConfig(level="mid", stages=["coding"], questions=2))
    store.save_turn(_turn(sid, 0, answer="Halve the interval each step."))
    store.close()
    again = SessionStore(path)
    turns = again.turns(sid)
    assert len(turns) == 1 and turns[0].answer == "Halve the interval each step."
    assert again.session(sid).config.stages == ["coding"]
    assert [s.id for s in again.sessions("active")] == [sid]


def test_stages_are_put_in_interview_order():
    cfg = SessionConfig(level="mid", stages=["behavioral", "screening", "coding", "screening"], questions=3)
    assert cfg.stages == ["screening", "coding", "behavioral"]


def test_unknown_session_names_the_fix(tmp_path):
    store = SessionStore(tmp_path / "db.sqlite")
    with pytest.raises(SessionNotFoundError, match="interviewer sessions"):
        store.session("nope")


def test_corrupted_database_gets_a_clear_message(tmp_path):
    path = tmp_path / "db.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreCorruptError, match="Move it aside"):
        SessionStore(path)
    assert path.read_bytes().startswith(b"this is not a database"), "the file must not be overwritten"


def test_the_items_due_now_are_the_ones_a_full_read_finds_due_whatever_the_time_zone(tmp_path):
    from datetime import timedelta

    from interviewer.interview.review import ReviewItem

    store = SessionStore(tmp_path / "db.sqlite", clock=lambda: NOW)
    sid = store.create_session(SessionConfig(level="mid", stages=["coding"], questions=2))
    plus5, minus8 = timezone(timedelta(hours=5)), timezone(timedelta(hours=-8))
    # Due times written in several offsets, each a few hours either side of NOW.
    dues = [NOW - timedelta(hours=3), NOW + timedelta(hours=3), (NOW - timedelta(hours=2)).astimezone(plus5),
            (NOW + timedelta(hours=2)).astimezone(minus8), (NOW + timedelta(hours=9)).astimezone(plus5),
            (NOW - timedelta(minutes=1)).astimezone(minus8), NOW, NOW - timedelta(days=40), NOW + timedelta(days=40)]
    items = [ReviewItem(bank="builtin" if i % 3 else "mine", question_id=f"q{i}", point=0, topic="algorithms",
                        stage="coding", question="Explain binary search.", key_point="Halves the interval.", card={},
                        due=due, reviews=1, lapses=0, last_rating=1, last_reviewed=NOW - timedelta(days=1))
             for i, due in enumerate(dues)]
    store.save_graded_turn(_turn(sid, 0, answer="Halve it."), [], items)
    for banks in (None, ["builtin"], ["mine"]):
        expected = [i.question_id for i in store.review_items(banks) if i.due <= NOW]
        assert [i.question_id for i in store.review_items(banks, due_at=NOW)] == expected
    assert sorted(i.question_id for i in store.review_items(due_at=NOW)) == ["q0", "q2", "q5", "q6", "q7"]
