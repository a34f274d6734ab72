"""A deterministic fake chat model, shipped so the CLI and UI run in LLM mode with no key and no network.

``--model fake`` (or ``INTERVIEWER_MODEL=fake``) puts :class:`FakeChatModel` behind the same
judge, prompt, structured-output and streaming code as a real model. It reads the rendered
``interview_turn`` prompt (the answer between its tags, the key points, the follow-up
options) and answers with a plausible verdict from :func:`fake_verdict`: a key point is
covered when an answer sentence holds at least half of its content words, the score is the
covered share of the rubric's weight, and the follow-up quotes the candidate's own words.
The same function answers for the test server in ``tests/openai_server.py``.

Like pydantic-ai's FunctionModel, ``FakeChatModel(respond=fn)`` swaps the verdict for any
function of the prompt text, so a test can script a reply without patching anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from .reply import estimate_tokens

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")
_STOP = frozenset(
    "a an the and or but if then so of to in on at by for with from as is are was were be been being it its this that "
    "these those what which who how why when where do does did can could would should will may might must you your "
    "we they not no there about into than also just very more most such any each some one two use used using uses "
    "when while them their other only".split()
)
#: Phrases by which an answer addresses its grader instead of the interviewer.
INSTRUCTION_TO_GRADER = re.compile(
    r"\b(ignore (all |any |the |your )?(previous |prior |above )?(instructions|rubric|rules|reference)|"
    r"(give|award|assign|grade)( me| it| this( answer)?)? (a )?(score of |full |perfect |top |maximum )?(5|five|10|marks|points|score)|"
    r"(full|maximum|perfect|top) (marks|score)|\b5 ?/ ?5\b|as the grader|you are the grader|note to (the )?grader|"
    r"dear grader|system prompt|new instructions)",
    re.IGNORECASE,
)


def _stems(text: str) -> set[str]:
    """Content words cut to five letters: a crude stemmer that makes 'regularization' meet 'regularize'."""
    return {w.lower()[:5] for w in _WORD.findall(text) if len(w) > 3 and w.lower() not in _STOP}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", text) if len(_WORD.findall(s)) >= 2]


def _section(prompt: str, heading: str) -> str:
    m = re.search(rf"^# {re.escape(heading)}[^\n]*\n(.*?)(?=^# |\Z)", prompt, re.MULTILINE | re.DOTALL)
    return m.group(1) if m else ""


def _snippet(sentence: str, words: int = 10) -> str:
    w = sentence.split()
    return " ".join(w[:words]).rstrip(",;:.") + ("..." if len(w) > words else "")


def fake_verdict(prompt: str) -> dict:
    """A plausible ``TurnVerdict`` (as a dict) for a rendered ``interview_turn`` user message.

    Deterministic: the same prompt gives the same verdict. Score 0-5 = 5 x covered weight /
    total weight, one decimal. An answer that addresses the grader is flagged
    ``instruction_to_grader`` and graded on its content alone.
    """
    m = re.search(r"<answer-(\w+)>\n(.*?)\n</answer-\1>", prompt, re.DOTALL)
    answer = m.group(2) if m else ""
    points = [(int(i), float(w), t.strip()) for i, w, t in re.findall(r"^\[(\d+)\] weight ([\d.]+): (.*)$", _section(prompt, "Key points to grade"), re.MULTILINE)]
    options = [(int(i), t.strip(), q.strip()) for i, t, q in re.findall(r"^\[(\d+)\] (.*?) \| suggested question: (.*)$", _section(prompt, "What comes next"), re.MULTILINE)]
    nxt = re.search(r"^Otherwise: (.*)$", prompt, re.MULTILINE)
    next_step = nxt.group(1) if nxt else ""
    injected = bool(INSTRUCTION_TO_GRADER.search(answer))
    content = INSTRUCTION_TO_GRADER.sub(" ", answer) if injected else answer
    sentences = _sentences(content)

    verdicts, covered_w, total_w, best_quote = [], 0.0, 0.0, ""
    for index, weight, text in points:
        need = _stems(text)
        best, best_share = "", 0.0
        for s in sentences:
            share = len(need & _stems(s)) / len(need) if need else 0.0
            if share > best_share:
                best, best_share = s, share
        covered = best_share >= 0.5
        verdicts.append({"index": index, "covered": covered, "quote": best if covered else ""})
        total_w += weight
        if covered:
            covered_w += weight
            best_quote = best_quote or best
    score = round(5 * covered_w / total_w, 1) if total_w else 0.0
    n_cov = sum(v["covered"] for v in verdicts)
    missed = [t for (i, _, t), v in zip(points, verdicts) if not v["covered"]]
    feedback = [f"You covered {n_cov} of {len(points)} key points."]
    if missed:
        feedback.append(f"Missing: {missed[0]}")
    feedback.append("Give a concrete example or trade-off to show depth." if score < 4 else "Clear and complete; well done.")

    covered_ids = {v["index"] for v in verdicts if v["covered"]}
    target = next(((i, q) for i, _, q in options if i not in covered_ids), None)
    own = _snippet(best_quote or (sentences[0] if sentences else ""))
    if target is None:
        follow_up_point, follow_up_message = -1, ""
    elif own:
        follow_up_point, follow_up_message = target[0], f'You said "{own}". Building on that: {target[1]}'
    else:
        follow_up_point, follow_up_message = target[0], f"Let's take it one step at a time. {target[1]}"
    if score >= 4:
        reaction = f'Good, "{own}" is exactly the kind of detail I was looking for.' if own else "Good, that was thorough."
    elif score >= 2.5:
        reaction = f'Thanks; "{own}" is a fair start.' if own else "Thanks, that covers part of it."
    else:
        reaction = "Thanks for giving it a go."
    if "ends" in next_step:
        transition = reaction + " That was the last question."
    elif "new stage" in next_step:
        stage = re.search(r"new stage: ([^.]+)\.", next_step)
        transition = reaction + (f" Let's switch to {stage.group(1)}." if stage else " Let's switch topics.")
    else:
        transition = reaction + " Let's continue."
    return {
        **{f"kp_{v['index']}": {"covered": v["covered"], "quote": v["quote"]} for v in verdicts},
        "score": score,
        "instruction_to_grader": injected,
        "feedback": feedback,
        "follow_up_point": follow_up_point,
        "follow_up_message": follow_up_message,
        "transition_message": transition,
    }


def _prompt_text(messages: list[BaseMessage]) -> str:
    return "\n".join(m.content if isinstance(m.content, str) else json.dumps(m.content) for m in messages)


class FakeChatModel(BaseChatModel):
    """A LangChain chat model that answers structured-output requests deterministically, offline.

    It honours both ways of asking for structured output: ``bind_tools([...],
    tool_choice=NAME)`` gets a tool call, ``bind(response_format=...)`` gets JSON in the
    content. Streaming yields the reply in ``chunk_chars`` pieces and a last chunk with
    usage (tokens estimated at 4 characters each). Without a structured-output request it
    replies with plain text.

    Attributes:
        respond: the function from prompt text to verdict dict (default :func:`fake_verdict`).
        chunk_chars: characters per streamed piece.
    """

    model_name: str = "fake"
    respond: Callable[[str], dict] | None = None
    chunk_chars: int = 24

    @property
    def _llm_type(self) -> str:
        return "interviewer-fake"

    def bind_tools(self, tools: list[Any], *, tool_choice: Any = None, **kwargs: Any) -> Any:
        """Bind tools as ChatOpenAI does (OpenAI tool dicts); the reply calls the first tool."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    def _reply(self, messages: list[BaseMessage], kwargs: dict) -> tuple[str, str | None, UsageMetadata]:
        prompt = _prompt_text(messages)
        structured = bool(kwargs.get("tools") or kwargs.get("response_format")) or "Reply with one JSON object" in prompt
        text = json.dumps((self.respond or fake_verdict)(prompt)) if structured else "OK."
        tool = kwargs["tools"][0]["function"]["name"] if kwargs.get("tools") else None
        request = prompt + json.dumps(kwargs.get("tools") or kwargs.get("response_format") or "")
        p, c = estimate_tokens(request), estimate_tokens(text)
        return text, tool, UsageMetadata(input_tokens=p, output_tokens=c, total_tokens=p + c)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        text, tool, usage = self._reply(messages, kwargs)
        if tool:
            msg = AIMessage(content="", tool_calls=[{"name": tool, "args": json.loads(text), "id": "call_fake_0"}],
                            usage_metadata=usage)
        else:
            msg = AIMessage(content=text, usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text, tool, usage = self._reply(messages, kwargs)
        pieces = [text[i : i + self.chunk_chars] for i in range(0, len(text), self.chunk_chars)]
        for n, piece in enumerate(pieces):
            if tool:
                chunk = AIMessageChunk(content="", tool_call_chunks=[
                    {"name": tool if n == 0 else None, "args": piece, "id": "call_fake_0" if n == 0 else None, "index": 0}])
            else:
                chunk = AIMessageChunk(content=piece)
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage))
