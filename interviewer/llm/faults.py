"""Failed LLM requests: what went wrong, whether another request may help, and how long to wait.

Takes the exception a chat-model request raised (openai's and httpx's errors, or
:class:`~interviewer.llm.reply.Unusable` for a reply with nothing to grade from); gives a
:class:`Fault` (:func:`classify`), with the wait the server asked for (``Retry-After``).
:class:`~interviewer.llm.judge.LLMJudge` retries on it or falls back to offline.
httpx and openai are imported only when an exception is classified.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

from .reply import Unusable


class Fault(Exception):
    """One failed request: ``reason`` for people, ``retry`` whether another request may help,
    ``wait`` seconds the server asked for (Retry-After), if it did."""

    def __init__(self, reason: str, retry: bool, wait: float | None = None):
        super().__init__(reason)
        self.reason, self.retry, self.wait = reason, retry, wait


def _retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date), or None."""
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms:
            return float(ms) / 1000
        raw = headers.get("retry-after")
        if not raw:
            return None
        try:
            return max(0.0, float(raw))
        except ValueError:
            return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except Exception:
        return None


def classify(exc: BaseException, timeout: float) -> Fault:
    """A request's exception as a :class:`Fault` (retryable or not, with the server's wait)."""
    if isinstance(exc, Fault):
        return exc
    if isinstance(exc, Unusable):  # nothing to grade from: another request may do better
        return Fault(str(exc), True)
    import httpx
    import openai

    if isinstance(exc, openai.RateLimitError):
        return Fault("rate limited (429)", True, _retry_after(exc.response.headers))
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return Fault(f"no reply within {timeout:g} s (timeout)", True)
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return Fault(f"connection failed ({exc.__class__.__name__})", True)
    if isinstance(exc, openai.AuthenticationError):
        return Fault("the server rejected the API key (401); set OPENAI_API_KEY", False)
    if isinstance(exc, openai.NotFoundError):
        return Fault("the server does not serve this model (404)", False)
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            return Fault(f"server error {exc.status_code}", True, _retry_after(exc.response.headers))
        hint = "; try INTERVIEWER_STRUCTURED_OUTPUT=function_calling" if "response_format" in str(exc) else ""
        return Fault(f"request rejected ({exc.status_code}): {str(exc.message)[:120]}{hint}", False)
    if isinstance(exc, openai.LengthFinishReasonError):
        return Fault("reply cut off at the token limit", True)
    return Fault(f"{exc.__class__.__name__}: {str(exc)[:160]}", False)
