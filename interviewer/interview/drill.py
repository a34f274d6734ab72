"""What a drill asks next, and why: due reviews first, then weak topics, then new questions.

A drill is a session (``SessionConfig.mode == "drill"``) whose main questions come from the
review schedule (:mod:`interviewer.interview.review`) instead of the interview plan. The order:

1. **due reviews**: questions with a key point due now, most overdue first (in whole days),
   then weakest first (the lowest FSRS recall probability among its due points);
2. **not yet due, weakest topics**: questions with a key point not made last time (rated
   Again or Hard) but not due yet, in the topics the candidate scores lowest on (mean of the
   last :data:`RECENT` main-answer scores) first, earliest due first; a key point answered
   well waits for its due date, or spacing would mean nothing;
3. **new questions of the weakest topics**: questions never asked, at the chosen level
   (any level when the level has none left), topics scored lowest first, then topics never
   practised, the rest after.

So a drill always has something to ask while the bank has a question not yet asked in it.
Every pick carries the reason shown to the candidate ("missed on 2 Dec: ...; due since
yesterday"). Nothing here writes: the engine stores the turn.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fsrs import Rating

from ..index.retrieval import Candidate, KnowledgeBase
from ..models import Turn
from .report import WEAK_TOPIC_THRESHOLD
from .review import OUTCOME, ReviewItem

#: Main-answer scores per topic that make its current strength (the most recent ones).
RECENT = 3


@dataclass
class DrillPick:
    """The next drill question: its card, why it came up, when its item fell due, and the
    due key point a follow-up goes to first (None for a new question)."""

    candidate: Candidate
    reason: str
    due: datetime
    point: int | None
    kind: str  # "due", "weak_topic" or "new"


def topic_strength(turns: list[Turn]) -> dict[str, float]:
    """Mean (0-5) of the last :data:`RECENT` scored main answers per topic, over ``turns``
    (oldest first, as :meth:`SessionStore.answered_turns` gives them)."""
    scores: dict[str, list[float]] = defaultdict(list)
    for t in turns:
        if t.is_follow_up or t.assessment is None or t.assessment.kind != "scored":
            continue
        scores[t.topic].append(t.assessment.score)
    return {k: sum(v[-RECENT:]) / len(v[-RECENT:]) for k, v in scores.items()}


def _day(d: datetime) -> str:
    return f"{d.day} {d:%b}"


def due_phrase(due: datetime, now: datetime) -> str:
    """"due now", "due for 3 hours", "due since yesterday", "due for 4 days"."""
    seconds = (now - due).total_seconds()
    if seconds < 3600:
        return "due now"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return f"due for {hours} hour{'s' if hours > 1 else ''}"
    days = int(seconds // 86400)
    return "due since yesterday" if days == 1 else f"due for {days} days"


def _strength_note(topic: str, strength: dict[str, float], name: Callable[[str], str]) -> str:
    if topic not in strength:
        return f"you have not practised {name(topic)} yet"
    if strength[topic] < WEAK_TOPIC_THRESHOLD:
        return f"{name(topic)} is a weak topic for you ({strength[topic]:.1f}/5 lately)"
    return f"{name(topic)}: {strength[topic]:.1f}/5 lately"


def next_pick(
    *,
    kb: KnowledgeBase,
    items: list[ReviewItem],
    history: list[Turn],
    now: datetime,
    stages: list[str],
    banks: list[str],
    level: str,
    asked: set[tuple[str, str]],
    topic_name: Callable[[str], str] = lambda t: t,
    seed: int = 0,
) -> DrillPick | None:
    """The next question of a drill (None only when every question of the stages was asked).

    Args:
        items: the review items of ``banks``.
        history: every answered turn so far (all sessions), oldest first: topic strengths.
        asked: (bank, question_id) already asked in this drill.
    """
    strength = topic_strength(history)
    groups: dict[tuple[str, str], list[ReviewItem]] = defaultdict(list)
    for i in items:
        if i.stage in stages and (i.bank, i.question_id) not in asked:
            groups[(i.bank, i.question_id)].append(i)

    def card(key: tuple[str, str]) -> Candidate | None:
        try:
            return kb.card(*key)
        except KeyError:  # the question left the bank (re-imported or removed): nothing to ask
            return None

    due = []
    for key, its in groups.items():
        due_now = [i for i in its if i.due <= now]
        if due_now:
            weakest = min(due_now, key=lambda i: (i.retrievability(now), i.last_rating, i.point))
            first_due = min(i.due for i in due_now)
            due.append(((-(now - first_due).days, weakest.retrievability(now), key), key, weakest, due_now, first_due))
    for _, key, weakest, due_now, first_due in sorted(due, key=lambda d: d[0]):
        c = card(key)
        if c is None:
            continue
        reason = (f"{OUTCOME[Rating(weakest.last_rating)]} on {_day(weakest.last_reviewed)}: "
                  f"\"{weakest.key_point}\"; {due_phrase(first_due, now)}")
        if len(due_now) > 1:
            reason += f" (and {len(due_now) - 1} more key point{'s' if len(due_now) > 2 else ''} of it)"
        return DrillPick(c, reason, first_due, weakest.point, "due")

    def weakness(topic: str) -> tuple[int, float]:
        return (0, strength[topic]) if topic in strength else (1, 0.0)

    # not due, and not made last time (Again or Hard): a key point answered well waits for its date
    shaky = {k: [i for i in its if i.last_rating < Rating.Good] for k, its in groups.items()}
    later = sorted(((k, its) for k, its in shaky.items() if its),
                   key=lambda g: (weakness(g[1][0].topic), min(i.due for i in g[1]), g[0]))
    for key, its in later:
        c = card(key)
        if c is None:
            continue
        nxt = min(its, key=lambda i: (i.due, i.point))
        reason = (f"{_strength_note(nxt.topic, strength, topic_name)}; last time you {OUTCOME[Rating(nxt.last_rating)]} "
                  f"\"{nxt.key_point}\" ({_day(nxt.last_reviewed)}), due again {_day(nxt.due)}")
        return DrillPick(c, reason, nxt.due, nxt.point, "weak_topic")

    seen = {(i.bank, i.question_id) for i in items} | asked
    rng = random.Random(seed)
    fresh: list[Candidate] = []
    for stage in stages:
        cands = kb.candidates(bank=banks, stage=stage, level=level) or kb.candidates(bank=banks, stage=stage)
        fresh += [c for c in cands if (c.card.bank, c.card.id) not in seen and not c.card.practice_only]
    if not fresh:
        return None
    jitter = {id(c): rng.random() for c in fresh}
    c = min(fresh, key=lambda c: (weakness(c.card.topic), jitter[id(c)]))
    reason = f"a new question: {_strength_note(c.card.topic, strength, topic_name)}"
    return DrillPick(c, reason, now, None, "new")
