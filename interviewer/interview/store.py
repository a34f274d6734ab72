"""Session store: every session and turn in SQLite, written (and committed) before the reply is shown.

Beside them, the review schedule (:mod:`interviewer.interview.review`): ``review_log`` holds every
review of every key point, ``review_items`` each item's current FSRS card. A graded turn and
its reviews are written in one transaction, so a crash leaves both or neither, and the items
can always be rebuilt by replaying the log.

A turn row is written when the question is asked, updated when the answer arrives (before
it is scored) and again with the assessment. Killing the process at any point loses at
most the work in flight; ``interviewer chat --resume ID`` rebuilds the interview from rows.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pydantic import ValidationError

from ..errors import SessionNotFoundError, StoreCorruptError
from ..models import SessionConfig, SessionInfo, Turn
from .review import ReviewEvent, ReviewItem

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
CREATE TABLE IF NOT EXISTS review_log (
    session_id TEXT NOT NULL,
    turn_idx INTEGER NOT NULL,
    bank TEXT NOT NULL,
    question_id TEXT NOT NULL,
    point INTEGER NOT NULL,
    data TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (session_id, turn_idx, bank, question_id, point)
);
CREATE TABLE IF NOT EXISTS review_items (
    bank TEXT NOT NULL,
    question_id TEXT NOT NULL,
    point INTEGER NOT NULL,
    topic TEXT NOT NULL,
    due TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (bank, question_id, point)
);
"""

Clock = Callable[[], datetime]


def _reads(method):
    """Decorate a store method that reads: damage becomes :class:`StoreCorruptError` (see :func:`_readable`)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _readable(self.path):
            return method(self, *args, **kwargs)
    return wrapper


@contextmanager
def _readable(path):
    """Damage found while reading (a corrupt page, a row that is not a turn) is a StoreCorruptError with the fix."""
    try:
        yield
    except (sqlite3.DatabaseError, ValidationError, ValueError) as exc:  # ValueError: a damaged date
        raise StoreCorruptError(
            f"The session database {path} cannot be read ({str(exc).splitlines()[0]}). Move it aside (it may hold "
            "past sessions worth keeping) and start again; a new one will be created."
        ) from None
#: Seconds a write waits for another connection's transaction before "database is locked".
BUSY_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SessionStore:
    """SQLite-backed sessions and turns.

    Each thread gets its own connection (the UI serves several sessions at once from worker
    threads); the file is in WAL mode, so readers never wait for a writer, and a writer waits
    up to :data:`BUSY_SECONDS` for another writer's transaction to end.

    Args:
        path: database file (created with its folder); ``":memory:"`` for tests (one shared
            in-memory database for every thread of this store).
        clock: returns the current time (injected so tests are repeatable).

    Raises:
        StoreCorruptError: the file exists but is not a readable SQLite database.
    """

    def __init__(self, path: Path | str, clock: Clock = utc_now):
        self.clock = clock
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        if str(path) == ":memory:":
            self._target, self._uri = f"file:interviewer-{uuid.uuid4().hex}?mode=memory&cache=shared", True
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._target, self._uri = str(path), False
        try:
            self._keeper = self.db  # the creating thread's connection; also keeps a memory database alive
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
        except (sqlite3.DatabaseError, ValueError) as exc:  # ValueError: text that is not UTF-8
            raise StoreCorruptError(
                f"The session database {path} cannot be read ({exc}). Move it aside (it may hold past "
                "sessions worth keeping) and start again; a new one will be created."
            ) from None

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use), in autocommit mode."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self._target, uri=self._uri, timeout=BUSY_SECONDS, isolation_level=None,
                                  check_same_thread=False)
            con.execute("PRAGMA synchronous=NORMAL")
            self._local.con = con
            with self._guard:
                self._connections.append(con)
        return con

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._guard:
            for con in self._connections:
                try:
                    con.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
        self._local = threading.local()

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

    @_reads
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

    @_reads
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

    def save_graded_turn(self, turn: Turn, events: list[ReviewEvent], items: list[ReviewItem]) -> None:
        """Save a graded turn with the reviews it makes and the items they update, in one
        transaction (all or nothing). Reviews already logged for this turn are not logged
        again (saving the same graded turn twice changes no schedule)."""
        self.db.execute("BEGIN IMMEDIATE")  # this thread's connection: other sessions' writes wait
        try:
            self.save_turn(turn)
            for e in events:
                self.db.execute(
                    "INSERT INTO review_log (session_id, turn_idx, bank, question_id, point, data, reviewed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (e.session_id, e.turn_index, e.bank, e.question_id, e.point, e.model_dump_json(), e.reviewed_at.isoformat()),
                )
            for i in items:
                self.db.execute(
                    "INSERT OR REPLACE INTO review_items (bank, question_id, point, topic, due, data) VALUES (?, ?, ?, ?, ?, ?)",
                    (i.bank, i.question_id, i.point, i.topic, i.due.isoformat(), i.model_dump_json()),
                )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    @_reads
    def reviewed(self, session_id: str, turn_index: int) -> bool:
        """Whether the reviews of this turn are already logged."""
        return self.db.execute(
            "SELECT 1 FROM review_log WHERE session_id = ? AND turn_idx = ? LIMIT 1", (session_id, turn_index)
        ).fetchone() is not None

    @_reads
    def review_items(self, banks: list[str] | None = None, question: tuple[str, str] | None = None,
                     due_at: datetime | None = None) -> list[ReviewItem]:
        """Every review item (of these banks, or of one ``(bank, question_id)``, when given), earliest
        due first; with ``due_at``, only those due then. Each turn asks for the due ones, and a long
        history holds thousands of items (about 20 us each to parse), so those not due are left
        unparsed: SQL compares ``due`` as text, keeping everything due by a day after ``due_at``
        (any time-zone offset of a stored time), and the exact test is made on the parsed items."""
        where, args = [], []
        if question is not None:
            where, args = ["bank = ? AND question_id = ?"], list(question)
        if due_at is not None:
            where.append("due <= ?")
            args.append((due_at + timedelta(days=1)).isoformat())
        sql = "SELECT bank, data FROM review_items" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.db.execute(sql + " ORDER BY due, bank, question_id, point", args)
        items = [ReviewItem.model_validate_json(d) for b, d in rows if banks is None or b in banks]
        return items if due_at is None else [i for i in items if i.due <= due_at]

    @_reads
    def review_log(self) -> list[ReviewEvent]:
        """Every review in the order it happened."""
        rows = self.db.execute("SELECT data FROM review_log ORDER BY reviewed_at, session_id, turn_idx, point")
        return [ReviewEvent.model_validate_json(r[0]) for r in rows]

    @_reads
    def answered_turns(self) -> list[Turn]:
        """Every answered turn of every session, oldest answer first (for progress over time)."""
        rows = self.db.execute("SELECT data FROM turns WHERE answered = 1")
        turns = [Turn.model_validate_json(r[0]) for r in rows]
        return sorted(turns, key=lambda t: (t.answered_at or t.asked_at, t.session_id, t.index))

    @_reads
    def turns(self, session_id: str) -> list[Turn]:
        """All turns of a session in order."""
        rows = self.db.execute("SELECT data FROM turns WHERE session_id = ? ORDER BY idx", (session_id,))
        return [Turn.model_validate_json(r[0]) for r in rows]


def _info(row: tuple) -> SessionInfo:
    return SessionInfo(
        id=row[0],
        config=SessionConfig.model_validate_json(row[1]),
        created_at=datetime.fromisoformat(row[2]),
        updated_at=datetime.fromisoformat(row[3]),
        status=row[4],
        answered=row[5],
    )
