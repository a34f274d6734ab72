"""The LLM turn: one structured chat-completion call grades an answer and words the next message.

:class:`LLMJudge` implements :class:`~interviewer.interview.judge.Judge` over any LangChain chat model
(``ChatOpenAI`` against an OpenAI-compatible server, or the package's fake model):

1. The ``interview_turn`` prompt (``prompts/interview_turn.yaml``) is rendered with the
   question, the reference answer, the key points, the source passages, the follow-up
   options the engine allows, and the answer fenced between tags named by a hash of the
   answer (so the answer cannot close its own fence).
2. One request asks for the verdict with a schema built for this question
   (:func:`~interviewer.llm.reply.turn_schema`: one required ``kp_N`` property per key point),
   in the structured-output mode the server accepts (``json_schema``, a forced tool call,
   ``json_object``, or the schema in the prompt; found at start by
   :func:`~interviewer.llm.probe.probe_structured` unless set). The reply streams; the grade fields
   come first, so the grade is handed to the engine before any wording is shown, and the
   wording then streams through a leak guard (:mod:`interviewer.llm.leaks`).
3. The reply is read as servers really send it (:mod:`interviewer.llm.reply`): JSON in a
   fence, among prose, after a <think> block, in ``tool_calls``, slightly malformed. A reply
   usable in part is used in part: a key point without a verdict keeps the offline scorer's
   (marked ``offline_verdict``), a missing or out-of-range score comes from the verdicts,
   missing wording falls back to the offline voice. Only transport faults (timeouts,
   connection errors, 429 with ``Retry-After``, 5xx) and replies with nothing usable are
   retried, up to ``attempts`` requests; then the turn falls back to the offline assessment
   and wording, marked ``scorer="offline (LLM failed: ...)"``. A fault after the grade is in
   keeps the grade and falls back to offline wording only.

The offline scorer's grade (passed in by the engine) is the check: an answer that addresses
the grader is flagged ``instruction_to_grader`` and scores no more than offline, and an LLM
score at least :data:`DISAGREEMENT_THRESHOLD` away from it is marked ``disagreement``.

A failed request is classified by :mod:`interviewer.llm.faults` (retry or not, how long to
wait); a verdict's quotes and the proposed wording are checked by
:mod:`interviewer.llm.reply_checks`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..interview.judge import Broken, Graded, Judged, JudgeEvent, Judgement, JudgeRequest, Text
from ..models import STAGE_TITLES, Assessment, Flag, KeyPointResult, LLMUsage
from ..prompts import Prompt, load_prompt
from .fake import INSTRUCTION_TO_GRADER
from .faults import Fault, classify
from .leaks import KEY_POINT_SPAN, REFERENCE_SPAN, StreamGuard
from .providers import ModelChoice
from .reply import TOOL_NAME, Reply, Unusable, estimate_tokens, grade_started, read_grade, turn_schema
from .reply_checks import MAX_MESSAGE_CHARS, _wording_problem, ground_quote  # noqa: F401  (MAX_MESSAGE_CHARS: re-exported)

#: |LLM score - offline score| (0-5 scale) at or above which the two graders are said to disagree.
#: Issue 4 holds the offline scorer to an RMSE of at most 0.90 against human grades (Mohler
#: data); if its errors were roughly normal with that spread, a gap of 2.0 (2.2 standard
#: deviations) would arise by chance for about 3% of answers, so a flagged gap most likely
#: means one grader is wrong about this answer and a person should look.
DISAGREEMENT_THRESHOLD = 2.0
#: Characters of an answer sent to the model (about 2,000 words, 3,000 tokens); the offline
#: scorer grades the same length and flags longer answers ``too_long``.
MAX_ANSWER_CHARS = 12_000
#: Characters of each source passage put in the prompt (ingest chunks are up to 900).
MAX_PASSAGE_CHARS = 700
#: Offline flags kept in LLM mode: facts about the answer, not grades (the LLM grades the rest).
_CARRIED_FLAGS: set[str] = {"too_long", "instruction_to_grader"}
#: Offline flags that mean there is nothing to grade: no request is sent.
_NOTHING_TO_GRADE: set[str] = {"empty", "gibberish"}


class LLMJudge:
    """Grades and words one turn with one structured LLM call (see the module docstring).

    Args:
        chat_model: a LangChain chat model (``ChatOpenAI``, or ``FakeChatModel``).
        choice: the resolved model: name, structured-output method, streaming, timeout, attempts.
        prompt: the ``interview_turn`` prompt (loaded by name when None).
        backoff: seconds before the first retry when the server gives no Retry-After;
            doubles each retry.
        max_wait: longest Retry-After obeyed (seconds); a longer one ends the turn's tries,
            since the candidate is waiting.
        sleep: how to wait (injected so tests can watch the waits).

    Raises (at construction):
        ConfigError: the prompt file is missing or does not render.
    """

    def __init__(
        self,
        chat_model: Any,
        choice: ModelChoice,
        *,
        prompt: Prompt | None = None,
        backoff: float = 0.5,
        max_wait: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.choice = choice
        self.name = choice.name
        self.prompt = prompt or load_prompt("interview_turn")
        self.prompt.render("system")  # a broken prompt file fails now, not on the first answer
        self.backoff, self.max_wait, self.sleep = backoff, max_wait, sleep
        self.chat_model = chat_model
        self.tools = choice.structured == "function_calling"

    def runnable(self, indices: list[int]) -> Any:
        """The chat model bound to ask for this turn's verdict (key points ``indices``), in the
        choice's structured-output mode: ``json_schema`` (response_format, strict),
        ``function_calling`` (a forced tool call), ``json_object`` (response_format with the
        schema beside it, as llama.cpp's server reads it) or ``text`` (the schema in the prompt)."""
        schema = turn_schema(indices)
        mode = self.choice.structured
        if mode == "function_calling":
            tool = {"type": "function", "function": {"name": TOOL_NAME, "description": "Grade of the answer and the next messages.",
                                                     "parameters": schema, "strict": True}}
            return self.chat_model.bind_tools([tool], tool_choice=TOOL_NAME, parallel_tool_calls=False)
        if mode == "json_object":
            return self.chat_model.bind(response_format={"type": "json_object", "schema": schema})
        if mode == "text":
            return self.chat_model
        return self.chat_model.bind(response_format={"type": "json_schema", "json_schema": {
            "name": TOOL_NAME, "description": "Grade of the answer and the next messages.", "schema": schema, "strict": True}})

    @staticmethod
    def graded_points(req: JudgeRequest) -> list:
        """The key points this turn grades: the focused ones for a follow-up, else all."""
        focus = set(req.focus) if req.focus else None
        return [p for p in req.reference.key_points if focus is None or p.index in focus] or list(req.reference.key_points)

    # ------------------------------------------------------------------ prompt

    def messages(self, req: JudgeRequest) -> list[Any]:
        """The system and user messages for one request (LangChain message objects)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        answer = req.answer[:MAX_ANSWER_CHARS]
        fence = hashlib.sha256(answer.encode("utf-8", "replace")).hexdigest()[:10]
        points = self.graded_points(req)
        user = self.prompt.render(
            "user",
            level=req.level,
            stage_title=STAGE_TITLES.get(req.stage, req.stage),
            question=req.question,
            main_question=req.main_question,
            is_follow_up=req.is_follow_up,
            reference_answer=req.reference.reference_answer,
            key_points=[{"index": p.index, "weight": p.weight, "text": p.text} for p in points],
            passages=[{"source": str(s.get("source", "")).rsplit("/", 1)[-1], "text": " ".join(str(s.get("text", "")).split())[:MAX_PASSAGE_CHARS]}
                      for s in req.passages],
            follow_up_options=[{"index": p.index, "text": p.text, "follow_up": p.follow_up} for p in req.follow_up_options],
            next_step=self._next_step(req),
            answer=answer,
            fence=fence,
        )
        system = self.prompt.render("system")
        if self.choice.structured in ("json_object", "text"):  # the server does not take the schema: say it
            schema = turn_schema([p.index for p in points])
            system += ("\n\nReply with one JSON object and nothing else, with exactly these properties, in this order "
                       f"(JSON schema): {json.dumps(schema, separators=(',', ':'))}")
        return [SystemMessage(system), HumanMessage(user)]

    @staticmethod
    def _next_step(req: JudgeRequest) -> str:
        if req.next_stage is None:
            return "the interview ends: this was the last question (the system adds a closing with the overall score)."
        title = STAGE_TITLES.get(req.next_stage, req.next_stage)
        if req.new_stage:
            return f"the interview moves on to the next question, which opens a new stage: {title}. The system adds the question after your message."
        return f"the interview moves on to the next question ({title}). The system adds the question after your message."

    # ------------------------------------------------------------------ the turn

    def judge(self, req: JudgeRequest) -> Iterator[JudgeEvent]:
        """Grade ``req.answer`` and word both next messages; see :class:`~interviewer.interview.judge.Judge`.

        Never raises for a model or network failure: those end in the offline fallback.
        """
        offline = req.offline
        usage = LLMUsage(model=self.name)
        if set(offline.flags) & _NOTHING_TO_GRADE:
            graded = offline.model_copy(update={"offline_score": offline.score, "scorer": "offline (nothing to grade: no LLM request)"})
            yield Graded(graded, None)
            yield Judged(Judgement(graded))
            return
        messages = self.messages(req)
        started = time.monotonic()
        for attempt in range(1, self.choice.attempts + 1):
            usage.calls += 1
            try:
                result = yield from self._attempt(messages, req, usage)
                usage.seconds = round(time.monotonic() - started, 3)
                result.usage = usage
                yield Judged(result)
                return
            except Exception as exc:  # every failure is classified; the turn must not be lost
                fault = classify(exc, self.choice.timeout)
            usage.faults.append(f"request {attempt}: {fault.reason}")
            if not fault.retry or attempt == self.choice.attempts:
                break
            wait = fault.wait if fault.wait is not None else self.backoff * 2 ** (attempt - 1)
            if wait > self.max_wait:
                fault = Fault(f"{fault.reason}; the server asked to wait {wait:.0f} s", False)
                usage.faults[-1] = f"request {attempt}: {fault.reason}"
                break
            self.sleep(wait)
        usage.seconds = round(time.monotonic() - started, 3)
        why = f"{fault.reason}, after {usage.calls} request(s)"
        graded = offline.model_copy(update={"scorer": f"offline (LLM failed: {why})", "fallback": why, "offline_score": offline.score})
        yield Graded(graded, None)
        yield Judged(Judgement(graded, usage=usage, prompt=self.prompt.name, prompt_version=self.prompt.version))

    def _attempt(self, messages: list[Any], req: JudgeRequest, usage: LLMUsage) -> Iterator[JudgeEvent]:
        """One request. Yields Graded (once the grade validates), then wording; returns the Judgement.

        Raises an exception (classified by the caller) only before Graded was yielded.
        """
        reply = Reply()
        indices = [p.index for p in self.graded_points(req)]
        runnable = self.runnable(indices)
        graded: tuple[Assessment, int | None] | None = None
        guards = self._guards(req)
        shown: dict[str, str] = {"follow_up": "", "transition": ""}
        broken: dict[str, str] = {}

        def wording(data: dict, final: bool) -> Iterator[JudgeEvent]:
            for channel, key in (("follow_up", "follow_up_message"), ("transition", "transition_message")):
                value = data.get(key)
                if channel in broken or not isinstance(value, str):
                    continue
                guard = guards[channel]
                if not value.startswith(guard.text):  # a partial parse that changed under us: wait for more
                    continue
                out = guard.feed(value[len(guard.text):])
                if final:
                    out += guard.finish()
                if out:
                    shown[channel] += out
                    yield Text(channel, out)
                if guard.leak is not None:
                    broken[channel] = f"the model's wording revealed the answer ({guard.leak!r})"
                    yield Broken(channel, broken[channel])

        try:
            if self.choice.stream:
                stream = runnable.stream(messages)
                try:
                    for chunk in stream:
                        reply.add(chunk)
                        data = reply.partial()
                        if not data:
                            continue
                        if graded is None and grade_started(data, indices):
                            graded = self._grade(data, req)
                            yield Graded(*graded)
                        if graded is not None:
                            yield from wording(data, final=False)
                finally:
                    stream.close()  # an abandoned reply (bad grade) closes its connection now
            else:
                reply.add(runnable.invoke(messages))
        except Exception as exc:
            self._count(reply, messages, usage)
            if graded is None:
                raise
            # The grade stands (the engine has acted on it); only the wording is lost.
            fault = classify(exc, self.choice.timeout)
            usage.faults.append(f"request {usage.calls}, after grading: {fault.reason}")
            for channel in ("follow_up", "transition"):
                if shown[channel] and channel not in broken:
                    yield Broken(channel, fault.reason)
            return Judgement(graded[0], graded[1], None, None, prompt=self.prompt.name, prompt_version=self.prompt.version)
        self._count(reply, messages, usage)
        lost = None
        try:
            data, repaired = reply.whole()
        except Unusable as exc:
            if graded is None:
                raise
            data, repaired, lost = {}, False, str(exc)
            usage.faults.append(f"request {usage.calls}, after grading: {lost}")
        if repaired:  # cut off or malformed: the grade is usable, the wording may stop mid-sentence
            lost = "the reply was cut off or malformed (its JSON had to be repaired)"
            usage.faults.append(f"request {usage.calls}, {'after grading' if graded is not None else 'graded from it'}: {lost}")
            data = {k: v for k, v in data.items() if k not in ("follow_up_message", "transition_message")}
        if graded is None:
            graded = self._grade(data, req)
            yield Graded(*graded)
        messages_out: dict[str, str | None] = {}
        for channel, key in (("follow_up", "follow_up_message"), ("transition", "transition_message")):
            value = data.get(key)
            if isinstance(value, str) and channel not in broken:
                yield from wording({key: value}, final=True)
            problem = broken.get(channel) or lost or _wording_problem(channel, value, graded[1])
            if problem and shown[channel] and channel not in broken:
                broken[channel] = problem
                yield Broken(channel, problem)
            messages_out[channel] = None if problem else value.strip()  # type: ignore[union-attr]
        return Judgement(
            graded[0], graded[1], messages_out["follow_up"], messages_out["transition"],
            prompt=self.prompt.name, prompt_version=self.prompt.version,
        )

    def _count(self, reply: Reply, messages: list[Any], usage: LLMUsage) -> None:
        """Add one request's tokens: as the server reported them, else estimated (and marked so)."""
        if reply.usage:
            p, c = reply.usage["input_tokens"], reply.usage["output_tokens"]
        elif reply.raw:
            p, c = estimate_tokens("".join(str(m.content) for m in messages)), estimate_tokens(reply.raw)
            usage.estimated = True
        else:
            return
        usage.prompt_tokens += p
        usage.completion_tokens += c
        cost = self.choice.cost(usage.prompt_tokens, usage.completion_tokens)
        usage.cost_usd = cost

    def _guards(self, req: JudgeRequest) -> dict[str, StreamGuard]:
        """Leak guards: a follow-up must not give away the reference answer or a key point it probes.

        The transition is shown only once the question is finished (its reference is then
        shown too), so it is not guarded.
        """
        secrets = [(req.reference.reference_answer, REFERENCE_SPAN)] + [(p.text, KEY_POINT_SPAN) for p in req.reference.key_points]
        allowed = [req.question, req.main_question, req.answer] + [p.follow_up for p in req.follow_up_options]
        return {"follow_up": StreamGuard(secrets, allowed), "transition": StreamGuard([], [])}

    def _grade(self, data: dict, req: JudgeRequest) -> tuple[Assessment, int | None]:
        """The Assessment from the reply's grade fields, each used where usable (see
        :func:`~interviewer.llm.reply.read_grade`): a key point the reply gave no verdict for
        keeps the offline scorer's verdict (``offline_verdict`` set), a missing score is the
        covered share of the rubric's weight, missing feedback is the offline feedback.

        Raises:
            Unusable: neither a verdict nor a score in the reply.
        """
        offline = req.offline
        points = self.graded_points(req)
        g = read_grade(data, [p.index for p in points])
        by_offline = {k.index: k for k in offline.key_points}
        answer = req.answer[:MAX_ANSWER_CHARS]
        results = []
        for p in points:
            if p.index not in g.verdicts and p.index in by_offline:
                results.append(by_offline[p.index].model_copy(update={"offline_verdict": True}))
                continue
            covered, quote = g.verdicts.get(p.index, (False, ""))
            evidence = ground_quote(quote, answer) if covered else None
            covered = evidence is not None  # no quote from the answer, no credit
            results.append(KeyPointResult(
                index=p.index, text=p.text, weight=p.weight, covered=covered,
                similarity=by_offline[p.index].similarity if p.index in by_offline else 0.0,
                evidence=evidence, hint="" if covered else f"Missing: {p.text}",
            ))
        if g.score is None:
            total = sum(r.weight for r in results) or 1.0
            score = round(5 * sum(r.weight for r in results if r.covered) / total, 1)
        else:
            score = g.score
        injected = g.instruction_to_grader or "instruction_to_grader" in offline.flags or bool(INSTRUCTION_TO_GRADER.search(answer))
        flags: list[Flag] = [f for f in offline.flags if f in _CARRIED_FLAGS and f != "instruction_to_grader"]
        if injected:
            flags.append("instruction_to_grader")
            score = min(score, offline.score)  # talking to the grader never earns more than the content does
        scorer = f"llm:{self.name}" + (f" ({'; '.join(g.notes)})" if g.notes else "")
        assessment = Assessment(
            score=score,
            key_points=results,
            reference_similarity=offline.reference_similarity,
            flags=flags,
            feedback=g.feedback or list(offline.feedback),
            scorer=scorer,
            offline_score=offline.score,
            disagreement=abs(score - offline.score) >= DISAGREEMENT_THRESHOLD,
        )
        return assessment, g.follow_up_point
