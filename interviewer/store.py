"""Session store: every session and turn in SQLite, written (and committed) before the reply is shown.

A turn row is written when the question is asked, updated when the answer arrives (before
it is scored) and again with the assessment. Killing the process at any point loses at
most the work in flight; ``interviewer chat --resume ID`` rebuilds the interview from rows.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from .errors import SessionNotFoundError, StoreCorruptError
from .models import SessionConfig, SessionInfo, Turn

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active'
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    idx INTEGER NOT NULL,
    data TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, idx)
);
"""

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SessionStore:
    """SQLite-backed sessions and turns.

    Args:
        path: database file (created with its folder); ``":memory:"`` for tests.
        clock: returns the current time (injected so tests are repeatable).

    Raises:
        StoreCorruptError: the file exists but is not a readable SQLite database.
    """

    def __init__(self, path: Path | str, clock: Clock = utc_now):
        self.clock = clock
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreCorruptError(
                f"The session database {path} cannot be read ({exc}). Move it aside (it may hold past "
                "sessions worth keeping) and start again; a new one will be created."
            ) from None

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ sessions

    def create_session(self, config: SessionConfig) -> str:
        """Store a new session and return its id (12 hex characters)."""
        sid = uuid.uuid4().hex[:12]
        now = self.clock().isoformat()
        self.db.execute(
            "INSERT INTO sessions (id, config, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (sid, config.model_dump_json(), now, now),
        )
        return sid

    def session(self, session_id: str) -> SessionInfo:
        """A session's header. Raises SessionNotFoundError."""
        row = self.db.execute(
            "SELECT s.id, s.config, s.created_at, s.updated_at, s.status, "
            "(SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id AND t.answered = 1) "
            "FROM sessions s WHERE s.id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise SessionNotFoundError(
                f"No session {session_id!r} in {self.path}. List sessions with `interviewer sessions`."
            )
        return _info(row)

    def sessions(self, status: str | None = None, limit: int = 50) -> list[SessionInfo]:
        """Sessions, newest first, optionally only ``active`` or ``finished`` ones."""
        sql = (
            "SELECT s.id, s.config, s.created_at, s.updated_at, s.status, "
            "(SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id AND t.answered = 1) FROM sessions s"
        )
        args: tuple = ()
        if status:
            sql += " WHERE s.status = ?"
            args = (status,)
        sql += " ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?"
        return [_info(r) for r in self.db.execute(sql, (*args, limit))]

    def finish(self, session_id: str) -> None:
        """Mark a session finished."""
        self.db.execute(
            "UPDATE sessions SET status = 'finished', updated_at = ? WHERE id = ?",
            (self.clock().isoformat(), session_id),
        )

    # ------------------------------------------------------------------ turns

    def save_turn(self, turn: Turn) -> None:
        """Insert or replace a turn (committed at once: autocommit mode)."""
        self.db.execute(
            "INSERT OR REPLACE INTO turns (session_id, idx, data, answered) VALUES (?, ?, ?, ?)",
            (turn.session_id, turn.index, turn.model_dump_json(), int(turn.answered)),
        )
        self.db.execute(
            "UPDATE sessions SET updated_at = ? WHERE id = ?", (self.clock().isoformat(), turn.session_id)
        )

    def turns(self, session_id: str) -> list[Turn]:
        """All turns of a session in order."""
        rows = self.db.execute("SELECT data FROM turns WHERE session_id = ? ORDER BY idx", (session_id,))
        return [Turn.model_validate_json(r[0]) for r in rows]

    def topic_scores(self, exclude_session: str | None = None, level: str | None = None) -> dict[str, tuple[float, int]]:
        """Mean score and count of answered main questions per topic over past sessions.

        Used to drill weak topics across sessions. Follow-up turns are left out: they probe
        one key point and their scores are not comparable with whole answers.
        """
        totals: dict[str, list[float]] = {}
        for sid, data in self.db.execute("SELECT session_id, data FROM turns WHERE answered = 1"):
            if sid == exclude_session:
                continue
            t = Turn.model_validate_json(data)
            if t.is_follow_up or t.assessment is None or t.assessment.kind != "scored" or (level and t.level != level):
                continue
            totals.setdefault(t.topic, []).append(t.assessment.score)
        return {k: (sum(v) / len(v), len(v)) for k, v in totals.items()}


def _info(row: tuple) -> SessionInfo:
    return SessionInfo(
        id=row[0],
        config=SessionConfig.model_validate_json(row[1]),
        created_at=datetime.fromisoformat(row[2]),
        updated_at=datetime.fromisoformat(row[3]),
        status=row[4],
        answered=row[5],
    )
