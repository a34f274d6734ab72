"""Fuzzed input ends in a valid result or the project's own error, never a traceback or a lost session.
A few hundred examples per target here; `python evals/fuzz.py` runs 2,000 each."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from interviewer.config import KNOWLEDGE_DIR
from interviewer.interview.store import SessionStore
from interviewer.models import SessionConfig

from . import fuzz_targets as ft

FEW = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def graded(built_home, embedder):
    from interviewer.config import Settings
    from interviewer.runtime import Runtime

    rt = Runtime(Settings(home=built_home))
    rt.__dict__["embedder"] = embedder
    ref = rt.kb.reference("builtin", rt.kb.candidates(bank="builtin", stage="ml_fundamentals")[0].card.id)
    return rt.engine.scorer, ref


def test_any_answer_is_graded_in_range(graded):
    scorer, ref = graded

    @FEW
    @given(ft.answers)
    def run(text):
        ft.check_answer(scorer, ref, text)

    run()


@FEW
@given(ft.yaml_docs)
def test_any_bank_file_loads_or_names_the_problem(text):
    ft.check_bank_yaml(KNOWLEDGE_DIR / "taxonomy.yaml", text)


@FEW
@given(ft.csv_docs)
def test_any_csv_imports_or_is_refused_with_the_fix(text):
    ft.check_csv(text)


@FEW
@given(ft.yaml_docs)
def test_any_markdown_imports_or_is_refused_with_the_fix(text):
    ft.check_markdown(text)


@pytest.fixture(scope="module")
def session_db(tmp_path_factory):
    from datetime import datetime, timezone

    from interviewer.models import Turn

    path = tmp_path_factory.mktemp("db") / "interviewer.db"
    store = SessionStore(path)
    for k in range(30):
        sid = store.create_session(SessionConfig(level="mid", stages=["coding"], questions=3))
        for i in range(3):
            store.save_turn(Turn(session_id=sid, index=i, question_id="q", stage="coding", topic="t", level="mid",
                                 difficulty=2, question="What is a hash map?" * 5, answer="An answer " * 40,
                                 asked_at=datetime.now(timezone.utc)))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


def test_a_damaged_session_database_opens_or_says_to_move_it_aside(session_db):
    @FEW
    @given(ft.damage)
    def run(how):
        ft.check_damaged_sqlite(session_db, how)

    run()


def test_what_the_fuzzer_found_stays_fixed(session_db, tmp_path):
    # a carriage return inside an unquoted CSV field (csv.Error before)
    ft.check_csv("question,answer\nWhat is a\rtensor?,An array\n")
    # a date overwritten with NUL bytes (ValueError from fromisoformat before)
    import shutil
    import sqlite3

    path = tmp_path / "interviewer.db"
    shutil.copy(session_db, path)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE sessions SET created_at = '2026-12-02' || char(0) || char(0)")
    from interviewer.errors import StoreCorruptError

    store = SessionStore(path)
    with pytest.raises(StoreCorruptError, match="Move it aside"):
        store.sessions()
