"""LLM providers: resolve a model name to a chat model, check it answers at start, price its tokens.

One function turns the user's choice (``--model``, else ``INTERVIEWER_MODEL``, else what the
``OPENAI_*`` variables imply) into a :class:`ModelChoice`, or None for the offline
interviewer. Names:

- ``offline``: no LLM (the default when nothing is configured);
- ``fake``: the deterministic fake model shipped in the package (:mod:`interviewer.llm.fake`);
- ``openai:MODEL`` (or just ``MODEL``): any OpenAI-compatible chat-completions server through
  LangChain's ``ChatOpenAI``: api.openai.com with ``OPENAI_API_KEY``, or the server at
  ``OPENAI_BASE_URL`` (Ollama, vLLM, LM Studio, llama.cpp), where a key is optional.

Problems are :class:`~interviewer.errors.ConfigError` naming the fix, raised at start
(:func:`resolve_model`, :func:`~interviewer.llm.probe.check_model`), never in the middle of an interview.
LangChain and openai are imported only when a model is actually built. The start-up requests
to the server (does it serve the model, which structured output does it take) are
:mod:`interviewer.llm.probe`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from ..errors import ConfigError
from .reply import estimate_tokens  # noqa: F401  (part of this module's interface)

OFFLINE = "offline"
FAKE = "fake"
#: The model used when only OPENAI_API_KEY (or OPENAI_BASE_URL) is set.
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
#: Seconds one request may take (connect, or between two bytes of the reply) before it is a timeout.
DEFAULT_TIMEOUT = 30.0
#: Requests per turn at most (the first and two retries) before the turn falls back to offline.
DEFAULT_ATTEMPTS = 3
#: Completion tokens one turn's reply may take. A verdict with wording is 150-600 tokens
#: (evals/simulate.py measures about 200); the cap leaves room for a model's reasoning and
#: stops one that never closes a string (a small or grammar-constrained model) from
#: writing until its context is full. A reply cut off at the cap is read in part.
DEFAULT_MAX_TOKENS = 2048
#: Set False by tests (tests/conftest.py), as pydantic-ai does with ALLOW_MODEL_REQUESTS:
#: then only a model server on this machine (127.0.0.1, ::1, localhost) may be configured.
ALLOW_REMOTE_MODELS = True

#: US dollars per million (prompt, completion) tokens, from https://openai.com/api/pricing
#: (standard tier, as published in 2025). A model not listed has an unknown cost.
PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "o4-mini": (1.10, 4.40),
    "o3-mini": (1.10, 4.40),
    "gpt-3.5-turbo": (0.50, 1.50),
    FAKE: (0.0, 0.0),
}

Structured = Literal["json_schema", "function_calling", "json_object", "text"]
#: Structured-output modes, best first: what :func:`~interviewer.llm.probe.probe_structured` tries in turn.
STRUCTURED_MODES: tuple[str, ...] = ("json_schema", "function_calling", "json_object", "text")
_NO_KEY = "not-needed"  # sent to local servers that want no key (the openai client insists on one)


@dataclass(frozen=True)
class ModelChoice:
    """A resolved model.

    Attributes:
        provider: ``"openai"`` (any OpenAI-compatible server) or ``"fake"``.
        model: the model id sent to the server, e.g. ``"gpt-4o-mini"`` or ``"llama3.1"``.
        base_url: the server's ``/v1`` URL; None means api.openai.com.
        api_key: the key sent (a placeholder for local servers that need none).
        structured: how structured output is asked for: ``"json_schema"`` (response_format),
            ``"function_calling"`` (a forced tool call), ``"json_object"`` (response_format
            json_object, the schema beside it and in the prompt) or ``"text"`` (the schema in
            the prompt only).
        structured_given: the mode was set (``INTERVIEWER_STRUCTURED_OUTPUT``), so start-up
            does not probe the server for it.
        stream: stream the reply (SSE) so the interviewer's words appear as they come.
        timeout: seconds before one request counts as timed out.
        attempts: requests per turn at most, retries included.
        max_tokens: completion tokens one reply may take (``INTERVIEWER_MAX_TOKENS``).
    """

    provider: Literal["openai", "fake"]
    model: str
    base_url: str | None = None
    api_key: str | None = None
    structured: Structured = "json_schema"
    structured_given: bool = True
    stream: bool = True
    timeout: float = DEFAULT_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    max_tokens: int = DEFAULT_MAX_TOKENS

    @property
    def name(self) -> str:
        """``"fake"`` or ``"openai:MODEL"``: what ``--model`` takes."""
        return FAKE if self.provider == FAKE else f"{self.provider}:{self.model}"

    @property
    def where(self) -> str:
        """Where requests go, for messages."""
        if self.provider == FAKE:
            return "this process (deterministic fake model)"
        return self.base_url or "https://api.openai.com/v1"

    def label(self) -> str:
        """One line for the UI and the terminal: model, server, how output is structured."""
        if self.provider == FAKE:
            return "fake (deterministic, no network)"
        mode = ("streaming, " if self.stream else "") + self.structured.replace("_", " ") + (
            "" if self.structured_given else ", found at start")
        return f"{self.name} at {self.where} ({mode})"

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """US dollars for these tokens, or None when the model's price is unknown.

        Prices are looked up by model id, then by the id without a date suffix
        (``gpt-4o-mini-2024-07-18`` -> ``gpt-4o-mini``).
        """
        price = price_of(self.model if self.provider != FAKE else FAKE)
        if price is None:
            return None
        return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


def price_of(model: str) -> tuple[float, float] | None:
    """(prompt, completion) US dollars per million tokens, or None if not in :data:`PRICES_PER_MILLION`."""
    if model in PRICES_PER_MILLION:
        return PRICES_PER_MILLION[model]
    parts = model.split("-")
    while len(parts) > 1:  # strip dated snapshots: gpt-4o-mini-2024-07-18
        parts.pop()
        if "-".join(parts) in PRICES_PER_MILLION:
            return PRICES_PER_MILLION["-".join(parts)]
    return None


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not understood; use 1 or 0.")


def _is_loopback(url: str) -> bool:
    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def resolve_model(name: str | None = None, env: Mapping[str, str] | None = None) -> ModelChoice | None:
    """The model to use, or None for the offline interviewer.

    Args:
        name: ``--model`` from the command line; overrides the environment. None or ""
            reads ``INTERVIEWER_MODEL``; if that is unset too, ``OPENAI_API_KEY`` or
            ``OPENAI_BASE_URL`` being set selects ``openai:gpt-4o-mini``, else offline.
        env: the environment (default ``os.environ``). Also read: ``OPENAI_API_KEY``,
            ``OPENAI_BASE_URL``, ``INTERVIEWER_STRUCTURED_OUTPUT`` (json_schema |
            function_calling | json_object | text), ``INTERVIEWER_STREAM`` (1 | 0),
            ``INTERVIEWER_LLM_TIMEOUT`` (seconds), ``INTERVIEWER_MAX_TOKENS`` (completion tokens
            per reply, default :data:`DEFAULT_MAX_TOKENS`).

    Raises:
        ConfigError: unknown provider, no key for api.openai.com, a malformed base URL or
            setting; each message says what to set.
    """
    env = os.environ if env is None else env
    name = (name or env.get("INTERVIEWER_MODEL", "")).strip()
    key = env.get("OPENAI_API_KEY", "").strip()
    base_url = env.get("OPENAI_BASE_URL", "").strip().rstrip("/") or None
    if not name:
        if not (key or base_url):
            return None
        name = f"openai:{DEFAULT_OPENAI_MODEL}"
    if name == OFFLINE:
        return None
    if name == FAKE:
        return ModelChoice(provider="fake", model=FAKE, stream=_flag(env, "INTERVIEWER_STREAM", True),
                           structured=_structured(env))
    provider, _, model = name.partition(":") if ":" in name else ("openai", "", name)
    if provider != "openai" or not model:
        raise ConfigError(
            f"Unknown model {name!r}. Use openai:MODEL (OpenAI, or any OpenAI-compatible server set with "
            f"OPENAI_BASE_URL), {FAKE} (the built-in fake model) or {OFFLINE}."
        )
    if base_url:
        parsed = urlparse(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(
                f"OPENAI_BASE_URL={base_url!r} is not a URL like http://127.0.0.1:11434/v1; fix it or unset it to use api.openai.com."
            )
    elif not key:
        raise ConfigError(
            f"No key found for {name} - set OPENAI_API_KEY, or set OPENAI_BASE_URL to a local OpenAI-compatible "
            "server (Ollama: OPENAI_BASE_URL=http://127.0.0.1:11434/v1 INTERVIEWER_MODEL=openai:llama3.1), "
            f"or run without an LLM with --model {OFFLINE} (or try --model {FAKE})."
        )
    if not ALLOW_REMOTE_MODELS and not (base_url and _is_loopback(base_url)):
        raise ConfigError(
            f"Model requests to {base_url or 'api.openai.com'} are disabled here (tests allow only 127.0.0.1); "
            "start the test server and point OPENAI_BASE_URL at it."
        )
    timeout_raw = env.get("INTERVIEWER_LLM_TIMEOUT", "").strip()
    try:
        timeout = float(timeout_raw) if timeout_raw else DEFAULT_TIMEOUT
        if timeout <= 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"INTERVIEWER_LLM_TIMEOUT={timeout_raw!r} must be a number of seconds above 0.") from None
    cap_raw = env.get("INTERVIEWER_MAX_TOKENS", "").strip()
    try:
        max_tokens = int(cap_raw) if cap_raw else DEFAULT_MAX_TOKENS
        if max_tokens < 256:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"INTERVIEWER_MAX_TOKENS={cap_raw!r} must be a whole number of tokens, 256 or more "
            f"(a graded reply takes 150-600; default {DEFAULT_MAX_TOKENS})."
        ) from None
    return ModelChoice(
        provider="openai",
        model=model,
        base_url=base_url,
        api_key=key or _NO_KEY,
        structured=_structured(env),
        structured_given=bool(env.get("INTERVIEWER_STRUCTURED_OUTPUT", "").strip()),
        stream=_flag(env, "INTERVIEWER_STREAM", True),
        timeout=timeout,
        max_tokens=max_tokens,
    )


def _structured(env: Mapping[str, str]) -> Structured:
    raw = env.get("INTERVIEWER_STRUCTURED_OUTPUT", "").strip() or "json_schema"
    if raw not in STRUCTURED_MODES:
        raise ConfigError(
            f"INTERVIEWER_STRUCTURED_OUTPUT={raw!r}: use json_schema (response_format), function_calling (tool "
            "calls), json_object (response_format json_object) or text (JSON asked for in the prompt); unset, "
            "the best one the server accepts is found at start."
        )
    return raw  # type: ignore[return-value]



def build_chat_model(choice: ModelChoice) -> Any:
    """The LangChain chat model for a choice: ``ChatOpenAI`` or the package's ``FakeChatModel``.

    The openai client's own retries are off (``max_retries=0``): the judge retries itself,
    so that every failed request is counted, its reason recorded, and ``Retry-After`` obeyed
    within the turn's budget. Temperature 0: the same answer gets the same grade.

    The completion cap (``choice.max_tokens``) goes as ``max_completion_tokens``, OpenAI's
    name; to any other server it also goes as ``max_tokens``, the name llama.cpp, Ollama and
    older servers read (api.openai.com refuses the old name for its reasoning models).
    """
    if choice.provider == FAKE:
        from .fake import FakeChatModel

        return FakeChatModel()
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=choice.model,
        api_key=choice.api_key,
        base_url=choice.base_url,
        timeout=choice.timeout,
        max_retries=0,
        temperature=0,
        stream_usage=True,
        max_tokens=choice.max_tokens,
        extra_body={"max_tokens": choice.max_tokens} if choice.base_url else None,
    )
