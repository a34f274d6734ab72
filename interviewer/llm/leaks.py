"""Leak checks: the reference answer (and a missed key point) must not reach the candidate before they answer.

A message *leaks* a secret text when it contains a run of ``n`` consecutive words of it
(case and punctuation ignored) that does not also occur in a text the candidate has already
seen or written (the question, their own answer). Eight words is the span the project's
transcript check uses for reference answers: long enough that ordinary phrases ("the bias
variance trade off") do not trigger it, short enough that a copied sentence does. Key points
are single sentences of 8-20 words, so they are checked with six-word spans.

:class:`StreamGuard` applies the check to a message that arrives in pieces: it holds back the
last ``n - 1`` words, so no word of a leaking span is ever shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..models import Assessment

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
#: Consecutive words of the reference answer that count as a leak.
REFERENCE_SPAN = 8
#: Consecutive words of a missed key point that count as a leak.
KEY_POINT_SPAN = 6


def words(text: str) -> list[str]:
    """Lower-cased words (letters and digits) of a text, in order."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text or "")]


def spans(text: str, n: int) -> set[tuple[str, ...]]:
    """All runs of ``n`` consecutive words of ``text``."""
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def leaked_span(message: str, secrets: Iterable[tuple[str, int]], allowed: Iterable[str] = ()) -> str | None:
    """The first span of a secret found in ``message``, or None.

    Args:
        message: text about to be shown to the candidate.
        secrets: ``(text, n)`` pairs: a secret text and the span length that counts as a leak.
        allowed: texts the candidate has seen or written; spans found in them are not leaks.

    Returns:
        The leaked words joined by spaces, or None when nothing leaks.
    """
    allowed = list(allowed)
    msg = words(message)
    for secret, n in secrets:
        bad = spans(secret, n) - set().union(*(spans(a, n) for a in allowed)) if allowed else spans(secret, n)
        for i in range(len(msg) - n + 1):
            run = tuple(msg[i : i + n])
            if run in bad:
                return " ".join(run)
    return None


class StreamGuard:
    """Passes a streamed message through only as far as it is known not to leak.

    ``feed(delta)`` returns the text that is now safe to show (possibly ""); ``finish()`` the
    rest. Once a leak is seen, nothing more is released and ``leak`` holds the span.
    """

    def __init__(self, secrets: list[tuple[str, int]], allowed: list[str]):
        self.secrets = [(s, n) for s, n in secrets if s]
        self.allowed = allowed
        self.hold = max((n for _, n in self.secrets), default=1) - 1
        self.text = ""
        self.released = 0
        self.leak: str | None = None

    def feed(self, delta: str) -> str:
        self.text += delta
        if self.leak is not None:
            return ""
        found = list(_WORD.finditer(self.text))
        complete = found[:-1] if found and found[-1].end() == len(self.text) else found
        self.leak = leaked_span(self.text[: complete[-1].end()] if complete else "", self.secrets, self.allowed)
        if self.leak is not None:
            return ""
        # Every word that could start a leaking span not yet complete is held back.
        if self.hold == 0:
            safe = len(self.text)
        else:
            safe = found[len(found) - self.hold].start() if len(found) > self.hold else 0
        out = self.text[self.released : max(safe, self.released)]
        self.released = max(safe, self.released)
        return out

    def finish(self) -> str:
        if self.leak is None:
            self.leak = leaked_span(self.text, self.secrets, self.allowed)
        if self.leak is not None:
            return ""
        out = self.text[self.released :]
        self.released = len(self.text)
        return out


#: Shown instead of an LLM's feedback while a follow-up on the same question is pending.
FEEDBACK_AFTER_FOLLOW_UP = "More feedback on this question once you have answered the follow-up."


def visible(a: Assessment, follow_up_pending: bool) -> Assessment:
    """What the candidate may see of an assessment now.

    Offline, the missed key points and feedback lines naming them are hidden while a
    follow-up is pending (:func:`interviewer.scoring.offline.visible_assessment`). An LLM's
    feedback may paraphrase a missed point where no substring check can see it, so in
    LLM mode all its feedback waits until the follow-up is answered.
    """
    from ..scoring.offline import visible_assessment

    shown = visible_assessment(a, follow_up_pending)
    if follow_up_pending and a.scorer.startswith("llm"):
        shown = shown.model_copy(update={"feedback": [FEEDBACK_AFTER_FOLLOW_UP]})
    return shown
