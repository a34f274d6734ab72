"""Start-up requests to the model server: does it answer and serve the model, and which
structured-output mode does it accept.

Takes a resolved :class:`~interviewer.llm.providers.ModelChoice`; gives the model ids the
server lists (:func:`check_model`, a :class:`~interviewer.errors.ConfigError` naming the fix
when it cannot be used) and the best structured-output mode it accepts, streamed or not
(:func:`probe_structured`). Both run before an interview starts, never in the middle of one;
openai is imported only when a request is sent.
"""

from __future__ import annotations

from ..errors import ConfigError
from .providers import FAKE, OFFLINE, ModelChoice, Structured


def check_model(choice: ModelChoice) -> list[str]:
    """Make sure the server answers and serves the model, before an interview starts.

    Sends one ``GET /models`` (no tokens spent). A server without that endpoint (404) passes.

    Returns:
        The model ids the server lists ([] when it lists none, and for the fake model).

    Raises:
        ConfigError: the server cannot be reached, rejects the key, or does not serve the model;
            the message names the fix.
    """
    if choice.provider == FAKE:
        return []
    import openai

    client = openai.OpenAI(api_key=choice.api_key, base_url=choice.base_url, timeout=min(choice.timeout, 10.0), max_retries=0)
    try:
        ids = [m.id for m in client.models.list()]
    except openai.AuthenticationError:
        raise ConfigError(
            f"The model server at {choice.where} rejected the API key (401). Set OPENAI_API_KEY to a valid key, "
            f"or run without an LLM with --model {OFFLINE}."
        ) from None
    except openai.NotFoundError:
        return []
    except (openai.APIConnectionError, openai.APITimeoutError) as exc:
        raise ConfigError(
            f"Cannot reach the model server at {choice.where} ({exc.__class__.__name__}: {exc}). Start it "
            "(Ollama: `ollama serve`), fix OPENAI_BASE_URL, or run without an LLM with --model offline."
        ) from None
    except openai.APIStatusError as exc:
        raise ConfigError(
            f"The model server at {choice.where} answered {exc.status_code} when asked for its models: {exc.message}. "
            "Check OPENAI_BASE_URL (it usually ends in /v1), or run without an LLM with --model offline."
        ) from None
    finally:
        client.close()
    served = [i for i in ids if i == choice.model or i.split(":")[0] == choice.model or i == f"{choice.model}:latest"]
    if ids and not served:
        shown = ", ".join(ids[:12]) + (" ..." if len(ids) > 12 else "")
        raise ConfigError(
            f"The server at {choice.where} does not serve the model {choice.model!r}; it serves: {shown}. "
            f"Pick one with --model openai:NAME (or INTERVIEWER_MODEL), or pull it (Ollama: `ollama pull {choice.model}`)."
        )
    return ids


_PROBE_SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": False}
_PROBE_ASK = [{"role": "user", "content": 'Reply with the JSON object {"ok": true} and nothing else.'}]


def probe_structured(choice: ModelChoice) -> tuple[Structured, bool, list[str]]:
    """The best structured-output mode the server accepts, found with tiny requests (a few
    tokens each): ``json_schema``, then a forced tool call, then ``json_object`` with the
    schema; ``text`` when it takes none. A mode counts when the server answers 2xx with a JSON
    object where that mode puts it. When the choice streams, each accepted mode is also tried
    streamed, and the first that streams its JSON is taken (llama.cpp's server, for one, sends
    no chunks for a streamed tool call); if none streams, the first accepted mode unstreamed.

    Returns:
        (mode, whether to stream, one line per request sent and what it got, e.g.
        ``"json_schema: refused (500)"``, ``"function_calling, streamed: works"``).
    """
    if choice.provider == FAKE:
        return choice.structured, choice.stream, []
    if choice.base_url is None:  # api.openai.com: json_schema streams (and its reasoning models refuse max_tokens)
        return "json_schema", choice.stream, ["api.openai.com: json_schema (documented), not probed"]
    import openai

    from .reply import parse_object

    client = openai.OpenAI(api_key=choice.api_key, base_url=choice.base_url, timeout=min(choice.timeout, 20.0), max_retries=0)
    tried: list[str] = []
    attempts = {
        "json_schema": {"response_format": {"type": "json_schema", "json_schema": {"name": "probe", "schema": _PROBE_SCHEMA, "strict": True}}},
        "function_calling": {"tools": [{"type": "function", "function": {"name": "probe", "parameters": _PROBE_SCHEMA}}],
                             "tool_choice": {"type": "function", "function": {"name": "probe"}}},
        "json_object": {"response_format": {"type": "json_object", "schema": _PROBE_SCHEMA}},
    }

    def answers(mode: str, extra: dict, stream: bool) -> str | None:
        """None when the mode works (streamed or not), else why not."""
        try:
            kwargs = dict(model=choice.model, messages=_PROBE_ASK, max_tokens=40, temperature=0, **extra)
            if stream:
                raw, calls = "", 0
                for chunk in client.chat.completions.create(stream=True, **kwargs):
                    delta = chunk.choices[0].delta if chunk.choices else None
                    for c in (getattr(delta, "tool_calls", None) or []):
                        calls += 1
                        raw += (c.function.arguments or "") if c.function else ""
                    raw += (getattr(delta, "content", None) or "") if not calls else ""
            else:
                reply = client.chat.completions.create(**kwargs)
                message = reply.choices[0].message if reply.choices else None
                tool_calls = getattr(message, "tool_calls", None) or []
                calls = len(tool_calls)
                raw = tool_calls[0].function.arguments if tool_calls else (getattr(message, "content", None) or "")
            if mode == "function_calling" and not calls:
                return "no tool call in the reply"
            return None if parse_object(raw) is not None else "no JSON object in the reply"
        except openai.APIStatusError as exc:
            return f"refused ({exc.status_code})"
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            return exc.__class__.__name__

    accepted: list[str] = []
    try:
        for mode, extra in attempts.items():
            why = answers(mode, extra, stream=False)
            tried.append(f"{mode}: {why or 'works'}")
            if why is not None:
                continue
            if not choice.stream:
                return mode, False, tried  # type: ignore[return-value]
            accepted.append(mode)
            why = answers(mode, extra, stream=True)
            tried.append(f"{mode}, streamed: {why or 'works'}")
            if why is None:
                return mode, True, tried  # type: ignore[return-value]
    finally:
        client.close()
    if accepted:
        return accepted[0], False, tried  # type: ignore[return-value]
    return "text", choice.stream, tried
