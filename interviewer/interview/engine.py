"""The interview agent: plan stages, pick questions from the knowledge base, follow up, adapt, report.

The engine keeps no state of its own between calls: everything it needs is derived from
the session's stored turns, so a killed process resumes exactly where it stopped. Each
step writes to the store before it returns what the candidate will see.

Per answer:
1. the answer is saved, then scored against the reference retrieved from Chroma;
2. if the answer missed key points and follow-ups remain for this question, the next
   message follows up on the highest-weight missed key point not yet probed;
3. otherwise the next main question is picked for the current stage (stages walk in the
   order of :data:`~interviewer.models.STAGES`) at the adapted difficulty;
4. after the last question, the report.

With a :class:`~interviewer.interview.judge.Judge` (LLM mode), step 1 is one judge call that grades
the answer and proposes wording for both possible next moves; the engine still makes every
decision of steps 2-4 from the judge's assessment and keeps the wording that matches it
(or the offline voice's, when the judge has none). :meth:`InterviewEngine.answer_stream`
yields the reply as it is produced.

What the engine returns and streams (:class:`Started`, :class:`Step`, :data:`StreamEvent`...)
is :mod:`interviewer.interview.steps`; the choice of the next move (follow-up point, next
question, difficulty, ranking) is :mod:`interviewer.interview.selection`, mixed into the
engine. Their public names are importable from here too.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator

from ..errors import ConfigError, InterviewerError
from ..index.retrieval import KnowledgeBase
from ..models import STAGES, PracticeOnly, Reference, Report, SessionConfig, Turn
from ..scoring.offline import Scorer
from .judge import Broken, Graded, Judge, Judged, Judgement, JudgeRequest, Text
from .progress import Progress, build_progress
from .report import build_report, due_items
from .review import apply, events_for
from .selection import (  # noqa: F401  (STRONG_SCORE, WEAK_SCORE, W_*, stage_quotas: re-exported)
    STRONG_SCORE,
    W_DIFFICULTY,
    W_JITTER,
    W_REDUNDANCY,
    W_SAME_TOPIC,
    W_WEAK_TOPIC,
    WEAK_SCORE,
    Selection,
    stage_quotas,
)
from .steps import Assessed, Message, Reset, Started, Step, StreamEvent
from .store import SessionStore
from .voice import Voice


class InterviewEngine(Selection):
    """Runs interviews over a knowledge base, a scorer, a voice and a session store.

    Args:
        kb: retrieval over the ingested bank (questions, references, key points, passages).
        scorer: grades answers offline; gets the reference retrieved from ``kb``. With a
            judge it still runs on every answer: its grade is the judge's fallback and check.
        voice: words the interviewer's messages (all of them offline; with a judge, the
            greeting, the questions and any wording the judge could not supply).
        store: where sessions and turns are written before anything is shown.
        topic_name: display name of a topic id (from the taxonomy).
        judge: grades and words each turn in one call (LLM mode); None runs offline.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        scorer: Scorer,
        voice: Voice,
        store: SessionStore,
        topic_name: Callable[[str], str] = lambda t: t,
        judge: Judge | None = None,
    ):
        self.kb = kb
        self.scorer = scorer
        self.voice = voice
        self.store = store
        self.topic_name = topic_name
        self.judge = judge
        # Per session answered in this process: its lock, and how many answers have entered it.
        self._locks: dict[str, threading.Lock] = {}
        self._taken: dict[str, int] = {}
        self._locks_guard = threading.Lock()

    # ------------------------------------------------------------------ public API

    def start(self, config: SessionConfig) -> Started:
        """Create a session, greet, and ask the first question (both stored before returning).

        Raises:
            ConfigError: the bank has no question for the chosen stages.
        """
        if config.seed is None:
            config = config.model_copy(update={"seed": random.randrange(1, 2**31)})
        available = self.kb.banks()
        missing = [b for b in config.banks if b not in available]
        if missing:
            raise ConfigError(
                f"No question bank named {', '.join(map(repr, missing))}; available: {', '.join(available)}. "
                "`interviewer bank list` shows them; `interviewer bank import FILE` adds one."
            )
        sid = self.store.create_session(config)
        greeting = self.voice.greeting(config, config.seed or 0)
        turn = self._next_main(sid, config, [], lead=greeting)
        if turn is None:
            raise ConfigError("The question bank has no question for the chosen level and stages.")
        return Started(sid, config, [Message("interviewer", turn.message)], turn)

    def resume(self, session_id: str) -> Started:
        """Reload a session: the conversation so far and the pending question.

        A turn whose answer was saved but not yet graded (the process died in between) is
        graded now, so no answer is ever lost.

        Raises:
            SessionNotFoundError: no such session.
        """
        info = self.store.session(session_id)
        turns = self.store.turns(session_id)
        if turns and turns[-1].answer is not None and turns[-1].assessment is None:
            self._advance(info.config, turns, turns[-1], turns[-1].answer)
            turns = self.store.turns(session_id)
        elif turns and turns[-1].assessment is not None and info.status != "finished":
            # Graded, but the process stopped before the next question was stored: ask it now.
            last = turns[-1]
            self._save_graded(turns, last)  # its reviews, if the process died before they were written
            self._reply(info.config, turns, last, None if last.practice_only else self.kb.reference(last.bank, last.question_id), None)
            turns = self.store.turns(session_id)
        history: list[Message] = []
        for t in turns:
            history.append(Message("interviewer", t.message or t.question))
            if t.answer is not None:
                history.append(Message("candidate", t.answer))
        pending = turns[-1] if turns and turns[-1].answer is None else None
        report = None
        if pending is None:
            report = self.report(session_id)
            if report.questions:
                history.append(Message("interviewer", self.voice.closing(report, seq=len(turns))))
        last = next((t.assessment for t in reversed(turns) if t.assessment), None)
        return Started(session_id, info.config, history, pending, report, last)

    def answer(self, session_id: str, text: str) -> Step:
        """Grade the answer to the pending question and produce the next message.

        Raises:
            InterviewerError: the session has no pending question (it is over).
        """
        return _last_step(self.answer_stream(session_id, text))

    def answer_stream(self, session_id: str, text: str) -> Iterator[StreamEvent]:
        """Like :meth:`answer`, yielding as it goes (see :data:`StreamEvent`).

        The answer is saved before anything else happens, the assessment before it is yielded, and
        the next question before the last piece of the reply. Answers to one session are taken one
        at a time: a second answer to the same question (two windows) waits, then gets an
        InterviewerError as it is iterated instead of replacing the first.

        Raises:
            InterviewerError: the session has no pending question (it is over); raised before anything is yielded or saved.
        """
        with self._locks_guard:
            lock = self._locks.setdefault(session_id, threading.Lock())
            taken = -1 if lock.locked() else self._taken.get(session_id, 0)
        info = self.store.session(session_id)
        turns = self.store.turns(session_id)
        # A turn whose answer was saved but never graded (grading failed) is still pending.
        if not turns or turns[-1].assessment is not None:
            raise InterviewerError(f"Session {session_id} has no question waiting for an answer; it is over. "
                                   "Start a new interview, or read its report with `interviewer report ID`.")
        return self._one_at_a_time(session_id, lock, taken, info.config, turns, text)

    def _one_at_a_time(self, session_id: str, lock: threading.Lock, taken: int, config: SessionConfig, turns: list[Turn],
                       text: str) -> Iterator[StreamEvent]:
        """:meth:`_advance_stream` under the session's lock, released before its last event (the Step). ``taken``:
        answers that had entered the lock when ``turns`` was read (-1: one was in it); if another has since, re-read."""
        with lock:
            with self._locks_guard:
                entered = self._taken.get(session_id, 0)
                self._taken[session_id] = entered + 1
            if entered != taken:
                index, turns = turns[-1].index, self.store.turns(session_id)
                if not turns or turns[-1].index != index or turns[-1].assessment is not None:
                    raise InterviewerError("Another answer to this question (another window on this interview?) was graded "
                                           "first, so this one was not saved. Resume the interview to see where it stands.")
            for event in self._advance_stream(config, turns, turns[-1], text):
                if isinstance(event, Step):
                    break
                yield event
            else:
                return  # no Step: a bug that _last_step reports
        yield event

    def report(self, session_id: str) -> Report:
        """The report over what has been answered so far."""
        info = self.store.session(session_id)
        turns = self.store.turns(session_id)
        answered_main = sum(1 for t in turns if t.answered and not t.is_follow_up)
        early = info.status != "finished" and answered_main < info.config.questions
        report = build_report(session_id, info.config, turns, self.topic_name, finished_early=early)
        now = self.store.clock()
        report.due_for_review = due_items(self.store.review_items(info.config.banks, due_at=now), now)
        return report

    def progress(self, level: str, banks: list[str] | None = None) -> Progress:
        """Progress over every session so far (:func:`interviewer.interview.progress.build_progress`), with
        readiness per stage for ``level`` over ``banks`` (default: every bank in the knowledge base)."""
        banks = banks or self.kb.banks()
        stage_topics = {s: {c.card.topic for c in self.kb.candidates(bank=banks, stage=s, level=level)} for s in STAGES}
        modes = {s.id: s.config.mode for s in self.store.sessions(limit=1_000_000)}
        return build_progress(self.store.answered_turns(), self.store.review_items(banks), self.store.clock(), level,
                              stage_topics, self.topic_name, modes)

    def end(self, session_id: str) -> tuple[Report, str]:
        """End now (out of input, or the candidate stops): the report and the closing words.

        The session stays resumable when questions remain.
        """
        report = self.report(session_id)
        return report, self.voice.closing(report, seq=len(report.questions))

    # ------------------------------------------------------------------ internals

    def _advance(self, config: SessionConfig, turns: list[Turn], turn: Turn, text: str) -> Step:
        return _last_step(self._advance_stream(config, turns, turn, text))

    def _advance_stream(self, config: SessionConfig, turns: list[Turn], turn: Turn, text: str) -> Iterator[StreamEvent]:
        # Saved before grading: a crash (or a model that never answers) while scoring loses
        # nothing; resume grades it.
        turn.answer = text
        turn.answered_at = self.store.clock()
        self.store.save_turn(turn)
        if turn.practice_only:  # no reference to grade against: saved, never scored, no follow-up
            turn.assessment = PracticeOnly()
            turn.prompt, turn.prompt_version = self._voice_prompt()
            self.store.save_turn(turn)
            yield Assessed(turn, False)
            step = self._reply(config, turns, turn, None, None)
            yield step.reply
            yield step
            return
        reference = self.kb.reference(turn.bank, turn.question_id)
        focus = [turn.follow_up_of] if turn.is_follow_up and turn.follow_up_of is not None else None
        offline = self.scorer.score(text, reference, question=turn.question, focus=focus)

        if self.judge is None:
            turn.assessment = offline
            turn.prompt, turn.prompt_version = self._voice_prompt()
            self._save_graded(turns, turn)
            point = self._follow_up_point(config, turns, turn, reference.key_points)
            yield Assessed(turn, point is not None)
            step = self._reply(config, turns, turn, reference, None)
            yield step.reply
            yield step
            return

        next_stage = self._next_stage(config, turns)
        request = JudgeRequest(
            answer=text,
            question=turn.question,
            main_question=self._main_of(turns, turn).question,
            reference=reference,
            offline=offline,
            focus=focus,
            passages=self._passages(reference),
            follow_up_options=self._follow_up_options(config, turns, turn, reference.key_points),
            next_stage=next_stage,
            new_stage=next_stage not in (None, turn.stage),
            level=config.level,
            stage=turn.stage,
        )
        chosen, usable, streamed, result = None, False, "", None
        for event in self.judge.judge(request):
            if isinstance(event, Graded):
                turn.assessment = event.assessment
                self.store.save_turn(turn)
                point = self._follow_up_point(config, turns, turn, reference.key_points)
                chosen = "follow_up" if point is not None else "transition"
                # The judge's follow-up wording is used only when it probes the point the engine chose.
                usable = point is None or event.follow_up_point == point.index
                yield Assessed(turn, point is not None)
            elif isinstance(event, Text):
                if event.channel == chosen and usable:
                    streamed += event.delta
                    yield event.delta
            elif isinstance(event, Broken):
                if event.channel == chosen and streamed:
                    streamed = ""
                    yield Reset(event.reason)
            elif isinstance(event, Judged):
                result = event.result
        if result is None:  # a judge that broke its contract: grade offline rather than lose the turn
            result = Judgement(offline.model_copy(update={"scorer": "offline (LLM failed: no result)", "fallback": "no result"}))
        turn.assessment = result.assessment
        turn.prompt, turn.prompt_version = (result.prompt, result.prompt_version) if result.prompt else self._voice_prompt()
        turn.llm = result.usage
        self._save_graded(turns, turn)
        step = self._reply(config, turns, turn, reference, result)
        if step.reply.startswith(streamed):
            yield step.reply[len(streamed):]
        else:
            yield Reset("the reply changed after it started")
            yield step.reply
        yield step

    def _reply(self, config: SessionConfig, turns: list[Turn], turn: Turn, reference: Reference | None,
               words: Judgement | None) -> Step:
        """Decide the next move from the graded ``turn``, word it, store the next turn (or finish).

        ``words`` is the judge's proposed wording (None: the offline voice words everything);
        ``reference`` is None for a practice-only question (no follow-up).
        """
        sid = turn.session_id
        seq = turn.index + (config.seed or 0)
        point = None if reference is None else self._follow_up_point(config, turns, turn, reference.key_points)
        if point is not None and words is not None and words.follow_up_message and words.follow_up_point == point.index:
            message = words.follow_up_message
        elif point is not None:
            reaction = self.voice.react(turn.assessment, was_follow_up=turn.is_follow_up, follow_up_next=True, seq=seq)
            message = reaction + " " + self.voice.follow_up(point, seq=seq)
        if point is not None:
            main = self._main_of(turns + [turn], turn)
            nxt = Turn(
                session_id=sid,
                index=turn.index + 1,
                question_id=turn.question_id,
                stage=turn.stage,
                topic=turn.topic,
                level=turn.level,
                difficulty=turn.difficulty,
                question=point.follow_up,
                message=message,
                is_follow_up=True,
                follow_up_of=point.index,
                bank=turn.bank,
                asked_at=self.store.clock(),
                drill_reason=None if config.mode != "drill" else f"follow-up on: {main.drill_reason}",
                due=main.due,
            )
            self.store.save_turn(nxt)
            return Step(turn, message, nxt)

        if words is not None and words.transition_message:
            reaction = words.transition_message
        else:
            reaction = self.voice.react(turn.assessment, was_follow_up=turn.is_follow_up, follow_up_next=False, seq=seq)
        nxt = self._next_main(sid, config, turns, lead=reaction)
        if nxt is not None:
            return Step(turn, nxt.message, nxt)
        self.store.finish(sid)
        report = self.report(sid)
        return Step(turn, reaction + "\n\n" + self.voice.closing(report, seq=seq), None, report)

    def _save_graded(self, turns: list[Turn], turn: Turn) -> None:
        """Save a graded turn together with the reviews of the key points it graded (one
        transaction: :meth:`SessionStore.save_graded_turn`); a turn already reviewed is only saved."""
        if self.store.reviewed(turn.session_id, turn.index):
            self.store.save_turn(turn)
            return
        events = events_for(turn)
        main = self._main_of(turns, turn) if turn.is_follow_up else turn
        current = {i.key: i for i in self.store.review_items(question=(turn.bank, turn.question_id))}
        texts = {k.index: k.text for k in turn.assessment.key_points} if events else {}
        items = []
        for e in events:
            old = current.get(e.key)
            items.append(apply(old, e, topic=turn.topic, stage=turn.stage, question=old.question if old else main.question,
                               key_point=texts.get(e.point, old.key_point if old else "")))
        self.store.save_graded_turn(turn, events, items)

    def _voice_prompt(self) -> tuple[str, str]:
        """Name and version of the offline voice's prompt file, stored with turns it worded."""
        prompt = getattr(self.voice, "prompt", None)
        return (prompt.name, prompt.version) if prompt is not None else (self.voice.name, "")

    def _passages(self, reference: Reference) -> list[dict]:
        """Source passages on the question's topic nearest the reference answer (for the judge's grounding)."""
        if reference.reference_embedding is None:
            return []
        try:
            return self.kb.passages_for(reference.reference_embedding, k=2, topic=reference.topic)
        except Exception:  # passages are background only: a store without them still grades
            return []


def _last_step(events: Iterator[StreamEvent]) -> Step:
    """Run a stream to its end and return its Step."""
    step = None
    for event in events:
        if isinstance(event, Step):
            step = event
    if step is None:  # every stream ends with its Step; reaching this is a bug, not bad input
        raise RuntimeError("the answer stream ended without a result")
    return step
