"""Checks of what the model wrote in a turn: that a quoted span is from the answer, and that a
proposed interviewer message can be shown.

Takes a verdict's quote and the answer, or a proposed message and its channel; gives the answer
text that backs the quote (:func:`ground_quote`, None when the quote is not the candidate's)
and why a message cannot be shown as is (``_wording_problem``, None when it can). Used by
:class:`~interviewer.llm.judge.LLMJudge`.
"""

from __future__ import annotations

import re
from typing import Any

from ..interview.judge import Channel

#: Longest interviewer message accepted from the model; longer ones are not a 1-3 sentence reply.
MAX_MESSAGE_CHARS = 700


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def ground_quote(quote: str, answer: str) -> str | None:
    """The answer text that backs a quoted span, or None when the quote is not from the answer.

    Exact (case, spacing and punctuation aside) quotes are kept as given; a loose quote whose
    words are at least 80% in one answer sentence is replaced by that sentence.
    """
    q = _norm(quote)
    if not q:
        return None
    if q in _norm(answer):
        return quote.strip()
    qw = set(q.split())
    best, share = None, 0.0
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", answer):
        sw = set(_norm(sentence).split())
        s = len(qw & sw) / len(qw)
        if s > share:
            best, share = sentence.strip(), s
    return best if share >= 0.8 and len(qw) >= 3 else None



def _wording_problem(channel: Channel, value: Any, follow_up_point: int | None) -> str | None:
    """Why a proposed message cannot be shown as is, or None when it can."""
    if not isinstance(value, str) or not value.strip():
        return "no wording"
    if len(value) > MAX_MESSAGE_CHARS:
        return f"wording longer than {MAX_MESSAGE_CHARS} characters"
    if channel == "follow_up" and follow_up_point is None:
        return "follow-up wording without the key point it probes"
    if channel == "transition" and "?" in value:
        return "the transition asks its own question"
    return None
