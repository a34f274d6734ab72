"""A small OpenAI-compatible chat-completions server, standard library only, for tests and evals.

It speaks what LangChain's ``ChatOpenAI`` (through the openai client) sends:

- ``GET /v1/models``: the served model ids;
- ``POST /v1/chat/completions``: plain replies, streaming (SSE ``data:`` chunks, a final usage
  chunk when ``stream_options.include_usage`` is set, then ``data: [DONE]``), and structured
  output both as ``response_format`` json_schema (JSON in ``message.content``) and as
  ``tools`` + ``tool_choice`` (``tool_calls``), with ``usage`` in every reply.

Structured replies come from ``respond(prompt_text) -> dict`` (by default the package's
deterministic :func:`interviewer.llm.fake.fake_verdict`). Faults are scripted per request:
``server.faults.extend(["429", "timeout"])`` makes the next two chat requests fail that way.

Faults: ``timeout`` (no reply for ``stall_seconds``), ``429`` (with ``Retry-After``), ``500``,
``malformed`` (broken JSON), ``invalid`` (JSON that breaks the schema: score 7.5),
``unusable`` (prose with no JSON at all),
``disconnect`` (the connection drops in the middle of the wording), ``stall`` (the stream
stops in the middle of the wording for ``stall_seconds``).

Every chat request is recorded in ``server.requests`` (body, fault, status, usage sent).
Token counts are estimated at 4 characters per token over everything the request sent
(messages and schema) and everything the reply returned.

Run alone for manual or eval runs (prints one line per request)::

    python tests/openai_server.py --port 8765
    OPENAI_BASE_URL=http://127.0.0.1:8765/v1 INTERVIEWER_MODEL=openai:gpt-4o-mini interviewer chat
"""

from __future__ import annotations

import argparse
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("timeout", "429", "500", "malformed", "invalid", "unusable", "disconnect", "stall")
#: How the server behaves on every request, as real servers and local models do (``server.mode``):
#: ``exact`` JSON that validates against the schema; ``partial`` a verdict for the first key point
#: only (still valid JSON); ``fenced`` the JSON in a ```json fence with prose around it; ``think``
#: a <think> block before the JSON; ``no_json_schema`` HTTP 500 for response_format json_schema
#: (json_object with a schema and tool calls are answered, as llama.cpp's server does);
#: ``no_usage`` streams with no usage chunk even when asked; ``unbounded`` a score far outside 0-5.
MODES = ("exact", "partial", "fenced", "think", "no_json_schema", "no_usage", "unbounded")


def tokens(text: str) -> int:
    """About 4 characters per token (OpenAI's rule of thumb)."""
    return math.ceil(len(text) / 4) if text else 0


def _prompt_text(body: dict) -> str:
    parts = []
    for m in body.get("messages", []):
        c = m.get("content")
        parts.append(c if isinstance(c, str) else json.dumps(c))
    return "\n".join(parts)


class FakeOpenAIServer:
    """The server, run in a thread on 127.0.0.1 (a free port unless ``port`` is given).

    Attributes:
        url: base URL for ``OPENAI_BASE_URL`` / ``ChatOpenAI(base_url=...)``, ending in ``/v1``.
        models: ids listed by ``GET /v1/models``.
        api_key: when set, requests without ``Authorization: Bearer <api_key>`` get 401.
        faults: queue of faults for the next chat requests (see the module docstring).
        respond: prompt text -> structured reply dict.
        requests: one dict per chat request: ``body``, ``fault``, ``status``, ``usage``, ``stream``.
        retry_after: the ``Retry-After`` header sent with 429 (seconds, as text).
        stall_seconds: how long ``timeout`` and ``stall`` keep the client waiting.
        on_request: called with each chat request's body before it is answered.
        log: print one line per request.
    """

    def __init__(self, port: int = 0, models: list[str] | None = None, respond: Callable[[str], dict] | None = None,
                 api_key: str | None = None, log: bool = False):
        if respond is None:
            from interviewer.llm.fake import fake_verdict

            respond = fake_verdict
        self.models = models or ["gpt-4o-mini"]
        self.respond = respond
        self.api_key = api_key
        self.faults: deque[str] = deque()
        self.requests: list[dict] = []
        self.retry_after = "1"
        self.stall_seconds = 5.0
        self.mode = "exact"
        self.on_request: Callable[[dict], None] | None = None
        self.log = log
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ replies

    def _reply(self, body: dict) -> tuple[str, str | None]:
        """(JSON or text, tool name or None) for a request."""
        prompt = _prompt_text(body)
        tools = body.get("tools")
        structured = (bool(tools) or (body.get("response_format") or {}).get("type") in ("json_schema", "json_object")
                      or "Reply with one JSON object" in prompt)
        text = json.dumps(self.respond(prompt)) if structured else "OK."
        return text, (tools[0]["function"]["name"] if tools else None)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one response per connection; the stream ends when it closes

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if server.api_key and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    self._json(401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                                               "code": "invalid_api_key"}})
                    return False
                return True

            def do_GET(self) -> None:
                if not self._authorized():
                    return
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [
                        {"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in server.models]})
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self._authorized():
                    return
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                    return
                with server._lock:
                    fault = server.faults.popleft() if server.faults else None
                record = {"body": body, "fault": fault, "status": 200, "usage": None, "stream": bool(body.get("stream"))}
                server.requests.append(record)
                if server.on_request:
                    server.on_request(body)
                try:
                    self._answer(body, fault, record)
                except (BrokenPipeError, ConnectionResetError):
                    record["client_gone"] = True
                if server.log:
                    u = record["usage"] or {}
                    print(f"request {len(server.requests)}: fault={fault} status={record['status']} stream={record['stream']} "
                          f"prompt_tokens={u.get('prompt_tokens')} completion_tokens={u.get('completion_tokens')}", flush=True)

            def _answer(self, body: dict, fault: str | None, record: dict) -> None:
                model = body.get("model", server.models[0])
                if fault == "timeout":
                    server._stop.wait(server.stall_seconds)
                    record["status"] = None
                    return
                if fault == "429":
                    record["status"] = 429
                    self._json(429, {"error": {"message": "Rate limit reached.", "type": "rate_limit_exceeded"}},
                               {"Retry-After": server.retry_after})
                    return
                if fault == "500":
                    record["status"] = 500
                    self._json(500, {"error": {"message": "The server had an error.", "type": "server_error"}})
                    return
                mode = server.mode
                if mode == "no_json_schema" and (body.get("response_format") or {}).get("type") == "json_schema":
                    record["status"] = 500
                    self._json(500, {"error": {"message": "1 validation error: response_format.type: Input should be "
                                               "'text' or 'json_object'", "type": "server_error"}})
                    return
                text, tool = server._reply(body)
                if text.startswith("{") and mode in ("partial", "unbounded"):
                    data = json.loads(text)
                    if mode == "partial":
                        kps = [k for k in data if k.startswith("kp_")]
                        data = {k: v for k, v in data.items() if k not in kps[1:]}
                    else:
                        data["score"] = 49696893
                    text = json.dumps(data)
                elif text.startswith("{") and not tool and mode == "fenced":
                    text = f"Here is the grade.\n```json\n{text}\n```\nLet me know if you need more."
                elif text.startswith("{") and not tool and mode == "think":
                    text = f"<think>The candidate mentions some of the points; I will grade each.</think>\n{text}"
                if fault == "malformed":
                    text = text[: len(text) // 3] + ' "oops\u201d ]}'
                elif fault == "unusable":
                    text = "I am sorry, but I cannot grade this answer."
                elif fault == "invalid":
                    data = json.loads(text)
                    data["score"] = 7.5
                    text = json.dumps(data)
                prompt = _prompt_text(body) + json.dumps(body.get("tools") or body.get("response_format") or "")
                usage = {"prompt_tokens": tokens(prompt), "completion_tokens": tokens(text)}
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
                finish = "tool_calls" if tool else "stop"
                base = {"id": f"chatcmpl-{len(server.requests)}", "created": int(time.time()), "model": model,
                        "system_fingerprint": "fp_test"}
                if not body.get("stream"):
                    if fault in ("disconnect", "stall"):  # no reply at all for a plain request
                        if fault == "stall":
                            server._stop.wait(server.stall_seconds)
                        record["status"] = None
                        self.close_connection = True
                        return
                    message: dict = {"role": "assistant", "content": None if tool else text}
                    if tool:
                        message["tool_calls"] = [{"id": "call_0", "type": "function",
                                                  "function": {"name": tool, "arguments": text}}]
                    record["usage"] = usage
                    self._json(200, {**base, "object": "chat.completion", "usage": usage, "choices": [
                        {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()

                def send(delta: dict | None, finish_reason: str | None = None, usage_: dict | None = None) -> None:
                    chunk = {**base, "object": "chat.completion.chunk",
                             "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason,
                                                                   "logprobs": None}]}
                    if usage_ is not None:
                        chunk["usage"] = usage_
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()

                # Where a broken stream breaks: after the grade and the follow-up wording, inside the transition.
                cut = text.find('"transition_message"')
                cut = len(text) // 2 if cut < 0 else cut + 30
                if tool:
                    send({"role": "assistant", "content": None, "tool_calls": [
                        {"index": 0, "id": "call_0", "type": "function", "function": {"name": tool, "arguments": ""}}]})
                else:
                    send({"role": "assistant", "content": ""})
                for i in range(0, len(text), 20):
                    if fault in ("disconnect", "stall") and i >= cut:
                        if fault == "stall":
                            server._stop.wait(server.stall_seconds)
                        record["status"] = None
                        self.close_connection = True
                        return
                    piece = text[i : i + 20]
                    if tool:
                        send({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
                    else:
                        send({"content": piece})
                send({}, finish)
                if (body.get("stream_options") or {}).get("include_usage") and mode != "no_usage":
                    send(None, usage_=usage)
                record["usage"] = usage
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler


def main() -> None:
    ap = argparse.ArgumentParser(description="Run the test OpenAI-compatible server until interrupted.")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--model", action="append", help="model id to serve (repeatable); default gpt-4o-mini")
    ap.add_argument("--fault", action="append", default=[], choices=FAULTS, help="fault for the next request (repeatable)")
    args = ap.parse_args()
    server = FakeOpenAIServer(port=args.port, models=args.model, log=True)
    server.faults.extend(args.fault)
    print(f"OpenAI-compatible test server on {server.url}", flush=True)
    server.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
