"""What the interview asks next: a follow-up on a missed key point, or the next main question.

Takes a session's settings and its turns so far, with the knowledge base, the store and the
voice; gives the engine's next move by its rules: the key point a follow-up probes
(:meth:`Selection._follow_up_point`; before the answer is graded, the points one could probe,
:meth:`Selection._follow_up_options`), the stage of the next main question by the plan
(:func:`stage_quotas`), its difficulty adapted to the answers so far
(:meth:`Selection._target_difficulty`), and the question itself, ranked, worded and stored
(:meth:`Selection._next_main`; in a drill, :meth:`Selection._next_drill`).

:class:`Selection` is mixed into :class:`~interviewer.interview.engine.InterviewEngine`; the
public names here are importable from :mod:`interviewer.interview.engine` too.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from ..index.retrieval import Candidate, KnowledgeBase
from ..models import LEVEL_DIFFICULTY, LEVEL_START_DIFFICULTY, RubricPoint, SessionConfig, Turn
from .drill import next_pick
from .report import question_results
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


def stage_quotas(config: SessionConfig) -> list[tuple[str, int]]:
    """Main questions per stage, in interview order: an even split, earlier stages get the remainder."""
    k = len(config.stages)
    base, extra = divmod(config.questions, k)
    return [(s, base + (1 if i < extra else 0)) for i, s in enumerate(config.stages) if base + (1 if i < extra else 0)]


class Selection:
    """The engine's choice of its next move, mixed into
    :class:`~interviewer.interview.engine.InterviewEngine`: it reads the engine's knowledge base
    ``kb``, ``store``, ``voice`` and ``topic_name``."""

    kb: KnowledgeBase
    store: SessionStore
    voice: Voice
    topic_name: Callable[[str], str]

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
        # seeded by the config alone (the engine gives every session one), so --seed repeats an interview
        rng = random.Random(f"{config.seed}:{len(mains)}")
        asked_vecs = np.stack([self.kb.card(t.bank, t.question_id).embedding for t in mains]) if mains else None
        now, began = self.store.clock(), self.store.session(sid).created_at
        # due from earlier sessions (what this interview itself missed is the drill's business)
        weak = {i.topic for i in self.store.review_items(config.banks, due_at=now) if i.last_reviewed < began}
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
