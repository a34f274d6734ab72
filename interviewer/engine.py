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
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError, InterviewerError
from .models import (
    LEVEL_DIFFICULTY,
    LEVEL_START_DIFFICULTY,
    Assessment,
    Report,
    RubricPoint,
    SessionConfig,
    Turn,
)
from .report import WEAK_TOPIC_THRESHOLD, build_report, question_results
from .retrieval import Candidate, KnowledgeBase
from .scoring import Scorer
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
        kb: retrieval over the ingested bank (questions, references, key points).
        scorer: grades answers (offline or LLM); gets the reference retrieved from ``kb``.
        voice: words the interviewer's messages.
        store: where sessions and turns are written before anything is shown.
        topic_name: display name of a topic id (from the taxonomy).
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        scorer: Scorer,
        voice: Voice,
        store: SessionStore,
        topic_name: Callable[[str], str] = lambda t: t,
    ):
        self.kb = kb
        self.scorer = scorer
        self.voice = voice
        self.store = store
        self.topic_name = topic_name

    # ------------------------------------------------------------------ public API

    def start(self, config: SessionConfig) -> Started:
        """Create a session, greet, and ask the first question (both stored before returning).

        Raises:
            ConfigError: the bank has no question for the chosen stages.
        """
        if config.seed is None:
            config = config.model_copy(update={"seed": random.randrange(1, 2**31)})
        if config.bank not in self.kb.banks():
            raise ConfigError(f"No question bank named {config.bank!r}; available: {', '.join(self.kb.banks())}.")
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
        info = self.store.session(session_id)
        turns = self.store.turns(session_id)
        # A turn whose answer was saved but never graded (grading failed) is still pending.
        if not turns or turns[-1].assessment is not None:
            raise InterviewerError(
                f"Session {session_id} has no question waiting for an answer; it is over. "
                "Start a new interview, or read its report with `interviewer report ID`."
            )
        return self._advance(info.config, turns, turns[-1], text)

    def report(self, session_id: str) -> Report:
        """The report over what has been answered so far."""
        info = self.store.session(session_id)
        turns = self.store.turns(session_id)
        answered_main = sum(1 for t in turns if t.answered and not t.is_follow_up)
        early = info.status != "finished" and answered_main < info.config.questions
        return build_report(session_id, info.config, turns, self.topic_name, finished_early=early)

    def end(self, session_id: str) -> tuple[Report, str]:
        """End now (out of input, or the candidate stops): the report and the closing words.

        The session stays resumable when questions remain.
        """
        report = self.report(session_id)
        return report, self.voice.closing(report, seq=len(report.questions))

    # ------------------------------------------------------------------ internals

    def _advance(self, config: SessionConfig, turns: list[Turn], turn: Turn, text: str) -> Step:
        sid = turn.session_id
        # Saved before grading: a crash while scoring loses nothing (resume grades it).
        turn.answer = text
        turn.answered_at = self.store.clock()
        self.store.save_turn(turn)
        reference = self.kb.reference(config.bank, turn.question_id)
        focus = [turn.follow_up_of] if turn.is_follow_up and turn.follow_up_of is not None else None
        turn.assessment = self.scorer.score(text, reference, question=turn.question, focus=focus)
        self.store.save_turn(turn)

        seq = turn.index + (config.seed or 0)
        point = self._follow_up_point(config, turns, turn, reference.key_points)
        reaction = self.voice.react(turn.assessment, was_follow_up=turn.is_follow_up, follow_up_next=point is not None, seq=seq)
        if point is not None:
            message = reaction + " " + self.voice.follow_up(point, seq=seq)
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
                asked_at=self.store.clock(),
            )
            self.store.save_turn(nxt)
            return Step(turn, message, nxt)

        nxt = self._next_main(sid, config, turns, lead=reaction)
        if nxt is not None:
            return Step(turn, nxt.message, nxt)
        self.store.finish(sid)
        report = self.report(sid)
        return Step(turn, reaction + "\n\n" + self.voice.closing(report, seq=seq), None, report)

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
        if main.assessment.score >= STRONG_SCORE:
            return None
        probed = {t.follow_up_of for t in asked}
        missed = {k.index for k in main.assessment.missed} - probed
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
        cand = self.kb.candidates(bank=config.bank, stage=stage, level=config.level, exclude=asked)
        if not cand:  # the cell is used up: borrow from neighbouring levels of the same stage
            cand = self.kb.candidates(bank=config.bank, stage=stage, exclude=asked)
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
        )
        self.store.save_turn(turn)
        return turn

    def _rank(self, sid: str, config: SessionConfig, cand: list[Candidate], mains: list[Turn], target: int) -> Candidate:
        """Pick the best candidate question.

        Score = -W_DIFFICULTY x |difficulty - target| - W_REDUNDANCY x (max cosine similarity
        to a question already asked) + W_WEAK_TOPIC x [topic weak in past sessions]
        - W_SAME_TOPIC x [topic already asked in this session] + W_JITTER x seeded noise.
        """
        rng = random.Random(f"{config.seed}:{sid}:{len(mains)}")
        asked_vecs = np.stack([self.kb.card(config.bank, t.question_id).embedding for t in mains]) if mains else None
        past = self.store.topic_scores(exclude_session=sid)
        weak = {topic for topic, (mean, _) in past.items() if mean < WEAK_TOPIC_THRESHOLD}
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

