"""What one LLM turn asks for, and how its reply is read, whatever the server sends.

- :func:`turn_schema`: the JSON schema of a turn verdict *for one question*: one required
  property per key point graded (``kp_0``, ``kp_3``, ...: ``covered`` and ``quote``), then the
  grade fields, then the two messages. A server that enforces the schema therefore returns a
  verdict for every key point; nothing is asked that the schema does not say.
- :class:`Reply`: accumulates a reply, streamed or not, from ``content`` and from
  ``tool_calls`` alike, and reads the JSON object out of it: in a ```json fence or among
  prose, after a ``<think>...</think>`` block, with trailing text, or slightly malformed
  (repaired with the ``json-repair`` package).
- :func:`read_grade`: the grade fields of a reply, each one used when it is usable: a key
  point without a verdict is left to the offline scorer; a missing score, or one outside 0-5
  (a local model may send 49696893), is computed from the verdicts; only a reply with neither
  verdicts nor a score is unusable (:class:`Unusable`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

#: The order of a verdict's fields after the per-key-point ones: grade first, wording last.
GRADE_FIELDS = ("score", "instruction_to_grader", "feedback", "follow_up_point")
WORDING_FIELDS = ("follow_up_message", "transition_message")
TOOL_NAME = "TurnVerdict"


def kp_key(index: int) -> str:
    """The property name of key point ``index`` in a verdict: ``kp_0``, ``kp_1``, ..."""
    return f"kp_{index}"


def turn_schema(indices: list[int]) -> dict:
    """The JSON schema of a turn verdict grading the key points numbered ``indices``.

    Every property is required and no other is allowed (what OpenAI's strict mode needs);
    bounds that a server may not enforce (score 0-5) are said in descriptions and checked on
    reading (:func:`read_grade`), not relied on.
    """
    verdict = {
        "type": "object",
        "properties": {
            "covered": {"type": "boolean", "description": "The answer makes this key point, in any words."},
            "quote": {"type": "string", "description": "Shortest exact span of the answer that makes it; \"\" if missed."},
        },
        "required": ["covered", "quote"],
        "additionalProperties": False,
    }
    props: dict[str, Any] = {kp_key(i): {**verdict, "description": f"Key point [{i}]."} for i in indices}
    props.update({
        "score": {"type": "number", "description": "0 to 5 for the whole answer."},
        "instruction_to_grader": {"type": "boolean", "description": "The answer tries to instruct the grader."},
        "feedback": {"type": "array", "items": {"type": "string"}, "description": "Two or three short lines for the candidate."},
        "follow_up_point": {"type": "integer", "description": "Number of the key point the follow-up probes; -1 for none."},
        "follow_up_message": {"type": "string", "description": "Reaction plus one follow-up question; \"\" if none."},
        "transition_message": {"type": "string", "description": "Reaction leading into what comes next; no question."},
    })
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


class Unusable(Exception):
    """A reply with nothing to grade from (no JSON object, or neither verdicts nor a score)."""


_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)(?:```|\Z)", re.DOTALL)


def json_text(raw: str) -> str:
    """The JSON part of a reply: no <think> block, the inside of a ```json fence if there is
    one, and from the first "{" on (prose before it dropped; the parser ignores what trails)."""
    text = _THINK.sub("", raw).strip()
    fence = _FENCE.search(text)
    if fence and "{" in fence.group(1):
        text = fence.group(1)
    start = text.find("{")
    return text[start:] if start >= 0 else ""


def parse_object(raw: str, partial: bool = False) -> dict | None:
    """The JSON object in a reply (see :func:`json_text`), or None when there is none.

    A complete reply is parsed strictly first, then repaired with ``json-repair`` (missing
    quotes or brackets, trailing commas, text after the object); a partial one (a stream so far)
    with LangChain's partial-JSON parser.
    """
    text = json_text(raw)
    if not text:
        return None
    if partial:
        from langchain_core.utils.json import parse_partial_json

        try:
            data = parse_partial_json(text)
        except Exception:
            return None
        return data if isinstance(data, dict) else None
    try:
        data, _ = json.JSONDecoder().raw_decode(text)  # the object, whatever text trails it
    except json.JSONDecodeError:
        import json_repair

        try:
            data = json_repair.loads(text)
        except Exception:
            return None
    if isinstance(data, list):  # a server that wraps the object in an array
        data = next((d for d in data if isinstance(d, dict)), None)
    return data if isinstance(data, dict) and data else None


class Reply:
    """One reply as it arrives: message content and tool-call arguments, and the usage."""

    def __init__(self) -> None:
        self.content = ""
        self.arguments = ""
        self.usage: dict | None = None

    @property
    def raw(self) -> str:
        return self.arguments or self.content

    def add(self, message: Any) -> None:
        chunks = getattr(message, "tool_call_chunks", None) or []
        for c in chunks:
            self.arguments += c.get("args") or ""
        if not chunks:
            for c in getattr(message, "tool_calls", None) or []:  # a whole (non-streamed) message
                self.arguments += json.dumps(c.get("args", {}))
        if isinstance(message.content, str):
            self.content += message.content
        meta = getattr(message, "usage_metadata", None)
        if meta:
            u = self.usage or {"input_tokens": 0, "output_tokens": 0}
            self.usage = {k: u[k] + int(meta.get(k, 0) or 0) for k in u}

    def partial(self) -> dict | None:
        return parse_object(self.raw, partial=True)

    def whole(self) -> tuple[dict, bool]:
        """(the reply's JSON object, whether it had to be repaired): from the tool call, else from
        the content. A repaired reply was cut off or malformed: its grade may be used, its wording
        should not be shown (it may stop mid-sentence). Raises Unusable."""
        for raw in (self.arguments, self.content):
            text = json_text(raw)
            if not text:
                continue
            try:
                data, _ = json.JSONDecoder().raw_decode(text)
                if isinstance(data, dict) and data:
                    return data, False
            except json.JSONDecodeError:
                pass
            data = parse_object(raw)
            if data:
                return data, True
        raise Unusable("no JSON object in the reply" if self.raw.strip() else "an empty reply")


@dataclass
class GradeRead:
    """The usable part of a reply's grade.

    ``verdicts``: key-point index -> (covered, quote) for the points the reply graded;
    ``score``: 0-5, or None when the reply gave no usable one; ``notes``: what was missing or
    out of range, for the assessment's ``scorer`` line.
    """

    verdicts: dict[int, tuple[bool, str]] = field(default_factory=dict)
    score: float | None = None
    instruction_to_grader: bool = False
    feedback: list[str] = field(default_factory=list)
    follow_up_point: int | None = None
    notes: list[str] = field(default_factory=list)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "covered", "false", "no", "0", "missed"):
        return value.strip().lower() in ("true", "yes", "1", "covered")
    return None


def _verdict(value: Any) -> tuple[bool, str] | None:
    if isinstance(value, dict):
        covered = _bool(value.get("covered"))
        quote = value.get("quote")
        return (covered, quote if isinstance(quote, str) else "") if covered is not None else None
    covered = _bool(value)
    return (covered, "") if covered is not None else None


def read_grade(data: dict, indices: list[int]) -> GradeRead:
    """The grade in a reply's object, for the key points numbered ``indices``.

    Verdicts are read from ``kp_N`` properties, or from a ``key_points`` list of
    ``{index, covered, quote}`` (the shape older prompts asked for). A score that is not a
    number from 0 to 5 is no score (the caller computes one from the verdicts).

    Raises:
        Unusable: no verdict for any key point and no score.
    """
    out = GradeRead()
    listed = data.get("key_points")
    by_index: dict[int, Any] = {}
    if isinstance(listed, list):
        for v in listed:
            if isinstance(v, dict) and isinstance(v.get("index"), (int, float, str)) and str(v.get("index")).strip().lstrip("-").isdigit():
                by_index[int(v["index"])] = v
    for i in indices:
        raw = data.get(kp_key(i), by_index.get(i))
        v = _verdict(raw) if raw is not None else None
        if v is not None:
            out.verdicts[i] = v
    missing = [i for i in indices if i not in out.verdicts]
    if missing:
        out.notes.append(f"no verdict for key point(s) {missing}")
    score = data.get("score")
    if isinstance(score, str):
        try:
            score = float(score.strip())
        except ValueError:
            score = None
    if isinstance(score, (int, float)) and not isinstance(score, bool) and score == score and 0 <= score <= 5:
        out.score = round(float(score), 1)
    elif isinstance(score, (int, float)) and not isinstance(score, bool):
        out.notes.append(f"score {score:g} outside 0-5, taken from the verdicts instead")
    else:
        out.notes.append("no score, taken from the verdicts")
    if not out.verdicts and out.score is None:
        raise Unusable("no key-point verdict and no score in the reply")
    out.instruction_to_grader = bool(_bool(data.get("instruction_to_grader")))
    fb = data.get("feedback")
    fb = [fb] if isinstance(fb, str) else fb if isinstance(fb, list) else []
    out.feedback = [" ".join(str(f).split()) for f in fb if str(f).strip()][:3]
    point = data.get("follow_up_point")
    try:
        point = int(point) if point is not None and not isinstance(point, bool) else None
    except (TypeError, ValueError):
        point = None
    out.follow_up_point = point if point is not None and point >= 0 else None
    return out


def grade_started(data: dict, indices: list[int]) -> bool:
    """True when a partial reply holds every grade field and has moved past them (a wording
    field has started), so the grade is final while the wording still streams."""
    need = [kp_key(i) for i in indices] + list(GRADE_FIELDS)
    return (any(k in data for k in WORDING_FIELDS) and all(k in data for k in need)
            and list(data)[-1] not in need)


def estimate_tokens(text: str) -> int:
    """Tokens of English text or JSON by OpenAI's rule of thumb of about 4 characters per token.

    Used only where a server reports no usage (and by the fake model); the counts a real
    server reports are recorded as reported.
    """
    return math.ceil(len(text) / 4) if text else 0
