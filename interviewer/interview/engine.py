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
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError, InterviewerError
from ..index.retrieval import Candidate, KnowledgeBase
from ..models import (
    LEVEL_DIFFICULTY,
    LEVEL_START_DIFFICULTY,
    STAGES,
    Assessment,
    PracticeOnly,
    Reference,
    Report,
    RubricPoint,
    SessionConfig,
    Turn,
)
from ..scoring.offline import Scorer
from .drill import next_pick
from .judge import Broken, Graded, Judge, Judged, Judgement, JudgeRequest, Text
from .progress import Progress, build_progress
from .report import build_report, due_items, question_results
from .review import apply, events_for
from .store import SessionStore
from .voice import Voice

#: A main answer scoring at least this (0-5) gets no follow-up and raises difficulty.
STRONG_SCORE = 4.0
#: A main answer scoring below this lowers difficulty.
WEAK_SCORE = 2.5
#: Flags after which a follow-up is pointless: the answer gave nothing to build on.
_NO_FOLLOW_UP_FLAGS = {"empty", "gibberish", "off_topic", "too_long", "instruction_to_grader"}
#: Weights of the question-choice terms (see ``InterviewEngine._rank``).
W_DIFFICULTY, W_REDUNDANCY, W_WEAK_TOPIC, W_SAME_TOPIC, W_JITTER = 0.5, 0.8, 0.5, 0.3, 0.3


@dataclass
class Message:
    """One chat message: ``role`` is ``"interviewer"`` or ``"candidate"``."""

    role: str
    text: str


@dataclass
class Step:
    """What one candidate answer produced.

    ``answered`` is the turn just graded (with its assessment), ``reply`` the interviewer's
    next message, ``next_turn`` the question now pending (None when the interview is over)
    and ``report`` the final report when it is.
    """

    answered: Turn
    reply: str
    next_turn: Turn | None
    report: Report | None = None


@dataclass
class Assessed:
    """Streamed first: the answered turn, now graded, and whether a follow-up on it comes next."""

    turn: Turn
    follow_up_next: bool


@dataclass
class Reset:
    """Streamed when reply text already shown must be discarded; the text that follows is the whole reply."""

    reason: str


#: What :meth:`InterviewEngine.answer_stream` yields: one Assessed, reply text pieces (str),
#: a Reset if the wording failed midway, and the Step last. The pieces after the last Reset
#: concatenate to ``Step.reply``.
StreamEvent = Assessed | str | Reset | Step


@dataclass
class Started:
    """A new or resumed session: its id, the conversation so far, and the pending question."""

    session_id: str
    config: SessionConfig
    history: list[Message] = field(default_factory=list)
    pending: Turn | None = None
    report: Report | None = None
    last_assessment: Assessment | None = None


def stage_quotas(config: SessionConfig) -> list[tuple[str, int]]:
    """Main questions per stage, in interview order: an even split, earlier stages get the remainder."""
    k = len(config.stages)
    base, extra = divmod(config.questions, k)
    return [(s, base + (1 if i < extra else 0)) for i, s in enumerate(config.stages) if base + (1 if i < extra else 0)]


class InterviewEngine:
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

        The answer is saved before anything else happens, the assessment before it is
        yielded, and the next question before the last piece of the reply.

        Raises:
            InterviewerError: the session has no pending question (it is over); raised
                before anything is yielded or saved.
        """
        info = self.store.session(session_id)
        turns = self.store.turns(session_id)
        # A turn whose answer was saved but never graded (grading failed) is still pending.
        if not turns or turns[-1].assessment is not None:
            raise InterviewerError(
                f"Session {session_id} has no question waiting for an answer; it is over. "
                "Start a new interview, or read its report with `interviewer report ID`."
            )
        return self._advance_stream(info.config, turns, turns[-1], text)

    def report(self, session_id: str) -> Report:
        """The report over what has been answered so far."""
        info = self.store.session(session_id)
        turns = self.store.turns(session_id)
        answered_main = sum(1 for t in turns if t.answered and not t.is_follow_up)
        early = info.status != "finished" and answered_main < info.config.questions
        report = build_report(session_id, info.config, turns, self.topic_name, finished_early=early)
        report.due_for_review = due_items(self.store.review_items(info.config.banks), self.store.clock())
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

    @staticmethod
    def _main_of(turns: list[Turn], turn: Turn) -> Turn:
        return next(t for t in reversed(turns) if not t.is_follow_up and t.index <= turn.index)

    def _next_stage(self, config: SessionConfig, turns: list[Turn]) -> str | None:
        """Stage of the next main question by the plan (None after the last); independent of any score.
        A drill has no plan of stages: the next question's stage is not known, so the current one."""
        number = sum(1 for t in turns if not t.is_follow_up)
        if config.mode == "drill":
            return None if number >= config.questions else (turns[-1].stage if turns else config.stages[0])
        cum = 0
        for stage, quota in stage_quotas(config):
            cum += quota
            if number < cum:
                return stage
        return None

    def _follow_up_options(
        self, config: SessionConfig, turns: list[Turn], turn: Turn, points: list[RubricPoint]
    ) -> list[RubricPoint]:
        """Key points a follow-up after ``turn`` could probe, best first, before ``turn`` is graded.

        The same rules as :meth:`_follow_up_point` where they do not depend on this answer's
        grade: follow-ups left for the question, points not yet probed, and (for an answer to a
        follow-up) only points the main answer missed.
        """
        main = self._main_of(turns, turn)
        asked = [t for t in turns if t.is_follow_up and main.index < t.index <= turn.index]
        if len(asked) >= config.max_follow_ups:
            return []
        probed = {t.follow_up_of for t in asked}
        eligible = [p for p in points if p.index not in probed]
        if turn.is_follow_up:
            if main.assessment is None or main.assessment.score >= STRONG_SCORE:
                return []
            missed = {k.index for k in main.assessment.missed}
            eligible = [p for p in eligible if p.index in missed]
        return sorted(eligible, key=lambda p: (p.index != main.drill_point, -p.weight, p.index))

    def _follow_up_point(
        self, config: SessionConfig, turns: list[Turn], turn: Turn, points: list[RubricPoint]
    ) -> RubricPoint | None:
        """The highest-weight missed key point of the current main question not yet probed, if a follow-up is due."""
        if turn.assessment is None or set(turn.assessment.flags) & _NO_FOLLOW_UP_FLAGS:
            return None
        main = next(t for t in reversed(turns) if not t.is_follow_up and t.index <= turn.index)
        asked = [t for t in turns if t.is_follow_up and t.index > main.index and t.index <= turn.index]
        if len(asked) >= config.max_follow_ups or main.assessment is None:
            return None
        probed = {t.follow_up_of for t in asked}
        missed = {k.index for k in main.assessment.missed} - probed
        if main.drill_point in missed:  # a drill follows up on the due key point when it is missed again
            return next(p for p in points if p.index == main.drill_point)
        if main.assessment.score >= STRONG_SCORE:
            return None
        candidates = [p for p in points if p.index in missed]
        return max(candidates, key=lambda p: (p.weight, -p.index)) if candidates else None

    def _target_difficulty(self, config: SessionConfig, turns: list[Turn]) -> int:
        """Start at the level's difficulty; +1 after a strong answer, -1 after a weak one, within the level's range."""
        lo, hi = LEVEL_DIFFICULTY[config.level]
        d = LEVEL_START_DIFFICULTY[config.level]
        for r in question_results(turns):
            if r.score >= STRONG_SCORE:
                d += 1
            elif r.score < WEAK_SCORE:
                d -= 1
            d = min(hi, max(lo, d))
        return d

    def _next_main(self, sid: str, config: SessionConfig, turns: list[Turn], lead: str) -> Turn | None:
        if config.mode == "drill":
            return self._next_drill(sid, config, turns, lead)
        mains = [t for t in turns if not t.is_follow_up]
        number = len(mains)
        stage, cum = None, 0
        for s, quota in stage_quotas(config):
            cum += quota
            if number < cum:
                stage = s
                break
        if stage is None:
            return None
        target = self._target_difficulty(config, turns)
        asked = {t.question_id for t in mains}
        cand = self.kb.candidates(bank=config.banks, stage=stage, level=config.level, exclude=asked)
        if not cand:  # the cell is used up: borrow from neighbouring levels of the same stage
            cand = self.kb.candidates(bank=config.banks, stage=stage, exclude=asked)
        if not cand:
            return None
        pick = self._rank(sid, config, cand, mains, target)
        new_stage = not mains or mains[-1].stage != stage
        text = self.voice.ask(pick.card, number=number + 1, total=config.questions, new_stage=new_stage, seq=number)
        message = f"{lead}\n\n{text}" if lead else text
        turn = Turn(
            session_id=sid,
            index=len(turns),
            question_id=pick.card.id,
            stage=pick.card.stage,
            topic=pick.card.topic,
            level=config.level,
            difficulty=pick.card.difficulty,
            question=pick.card.text,
            message=message,
            asked_at=self.store.clock(),
            bank=pick.card.bank,
            practice_only=pick.card.practice_only,
        )
        self.store.save_turn(turn)
        return turn

    def _next_drill(self, sid: str, config: SessionConfig, turns: list[Turn], lead: str) -> Turn | None:
        """The next drill question (:func:`interviewer.interview.drill.next_pick`), with its reason in the message."""
        mains = [t for t in turns if not t.is_follow_up]
        if len(mains) >= config.questions:
            return None
        pick = next_pick(
            kb=self.kb, items=self.store.review_items(config.banks), history=self.store.answered_turns(),
            now=self.store.clock(), stages=config.stages, banks=config.banks, level=config.level,
            asked={(t.bank, t.question_id) for t in mains}, topic_name=self.topic_name, seed=(config.seed or 0) + len(mains),
        )
        if pick is None:
            return None
        card = pick.candidate.card
        text = self.voice.ask(card, number=len(mains) + 1, total=config.questions, new_stage=False, seq=len(mains))
        text = f"(Why this one: {pick.reason}.)\n\n{text}"
        turn = Turn(
            session_id=sid, index=len(turns), question_id=card.id, stage=card.stage, topic=card.topic,
            level=config.level, difficulty=card.difficulty, question=card.text,
            message=f"{lead}\n\n{text}" if lead else text, asked_at=self.store.clock(), bank=card.bank,
            practice_only=card.practice_only, drill_reason=pick.reason, due=pick.due, drill_point=pick.point,
        )
        self.store.save_turn(turn)
        return turn

    def _rank(self, sid: str, config: SessionConfig, cand: list[Candidate], mains: list[Turn], target: int) -> Candidate:
        """Pick the best candidate question.

        Score = -W_DIFFICULTY x |difficulty - target| - W_REDUNDANCY x (max cosine similarity
        to a question already asked) + W_WEAK_TOPIC x [topic has key points due for review]
        - W_SAME_TOPIC x [topic already asked in this session] + W_JITTER x seeded noise.
        """
        rng = random.Random(f"{config.seed}:{sid}:{len(mains)}")
        asked_vecs = np.stack([self.kb.card(t.bank, t.question_id).embedding for t in mains]) if mains else None
        now, began = self.store.clock(), self.store.session(sid).created_at
        # due from earlier sessions (what this interview itself missed is the drill's business)
        weak = {i.topic for i in self.store.review_items(config.banks) if i.due <= now and i.last_reviewed < began}
        seen_topics = {t.topic for t in mains}
        best, best_score = cand[0], -np.inf
        for c in cand:
            s = -W_DIFFICULTY * abs(c.card.difficulty - target)
            if asked_vecs is not None:
                s -= W_REDUNDANCY * float((asked_vecs @ c.embedding).max())
            s += W_WEAK_TOPIC * (c.card.topic in weak)
            s -= W_SAME_TOPIC * (c.card.topic in seen_topics)
            s += W_JITTER * rng.random()
            if s > best_score:
                best, best_score = c, s
        return best



def _last_step(events: Iterator[StreamEvent]) -> Step:
    """Run a stream to its end and return its Step."""
    step = None
    for event in events:
        if isinstance(event, Step):
            step = event
    if step is None:  # every stream ends with its Step; reaching this is a bug, not bad input
        raise RuntimeError("the answer stream ended without a result")
    return step
