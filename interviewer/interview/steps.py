"""What the interview engine gives its front ends: the records of a session, turn by turn.

Takes nothing of its own: :class:`~interviewer.interview.engine.InterviewEngine` builds these
from the session's turns. Gives :class:`Started` (a new or resumed session: the conversation
so far and the pending question), :class:`Step` (what one candidate answer produced), the
events of :meth:`~interviewer.interview.engine.InterviewEngine.answer_stream`
(:data:`StreamEvent`: :class:`Assessed`, pieces of reply text, :class:`Reset`, the
:class:`Step` last) and :class:`Message` (one chat message). Their names are importable from
:mod:`interviewer.interview.engine` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Assessment, Report, SessionConfig, Turn


@dataclass
class Message:
    """One chat message: ``role`` is ``"interviewer"`` or ``"candidate"``."""

    role: str
    text: str


@dataclass
class Step:
    """What one candidate answer produced.

    ``answered`` is the turn just graded (with its assessment), ``reply`` the interviewer's
    next message, ``next_turn`` the question now pending (None when the interview is over)
    and ``report`` the final report when it is.
    """

    answered: Turn
    reply: str
    next_turn: Turn | None
    report: Report | None = None


@dataclass
class Assessed:
    """Streamed first: the answered turn, now graded, and whether a follow-up on it comes next."""

    turn: Turn
    follow_up_next: bool


@dataclass
class Reset:
    """Streamed when reply text already shown must be discarded; the text that follows is the whole reply."""

    reason: str


#: What :meth:`InterviewEngine.answer_stream` yields: one Assessed, reply text pieces (str),
#: a Reset if the wording failed midway, and the Step last. The pieces after the last Reset
#: concatenate to ``Step.reply``.
StreamEvent = Assessed | str | Reset | Step


@dataclass
class Started:
    """A new or resumed session: its id, the conversation so far, and the pending question."""

    session_id: str
    config: SessionConfig
    history: list[Message] = field(default_factory=list)
    pending: Turn | None = None
    report: Report | None = None
    last_assessment: Assessment | None = None
