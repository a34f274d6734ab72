"""Spaced review of what the candidate missed: every graded key point is a review item scheduled by FSRS.

An item is one key point of one main question of one bank, keyed ``(bank, question_id,
point)``. Each graded answer to the question (interview or drill) is a review of each key
point it graded, rated from the assessment (:func:`rating_for`); the `fsrs` package (the
Free Spaced Repetition Scheduler, Anki's scheduler since 23.10) turns the ratings into a
stability, a difficulty and the next due time. A question's state follows from its points:
it is due when any of its points is (:func:`question_due`).

Why FSRS and not hand-written intervals: on the open srs-benchmark (about 350M Anki reviews)
FSRS predicts recall far better than SM-2 (log loss 0.32 against 0.55).

The scheduler is :data:`SCHEDULER`: FSRS-6 default weights, desired retention 0.9, no fuzz
(so a replay of the stored reviews gives exactly the stored schedule), and learning and
relearning steps of zero: a key point missed today is due again at once (the drill asks it
the same day), and it leaves the same-day queue only when it is answered well; from then on
intervals grow with each good answer (1, 2, 5, 18 days ... for Good, Good, Good, Easy).

Times are timezone-aware UTC datetimes; the review time of a turn is its ``answered_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from fsrs import Card, Rating, Scheduler
from pydantic import BaseModel, Field

from ..models import Assessment, KeyPointResult, Turn

#: A main answer scoring at least this (0-5) is strong; its covered points are rated Easy.
#: The same bar as the engine's "no follow-up, raise difficulty" (interviewer.interview.engine.STRONG_SCORE).
STRONG_SCORE = 4.0
#: A missed key point with at least this credit (0-1) was partly made: rated Hard, not Again.
#: Half of the covering credit (interviewer.scoring.offline.COVERED_CREDIT = 0.5).
PARTLY_CREDIT = 0.25
#: What the scheduler aims for: the chance of recalling an item when it falls due.
DESIRED_RETENTION = 0.9

SCHEDULER = Scheduler(
    desired_retention=DESIRED_RETENTION,
    learning_steps=(timedelta(0),),
    relearning_steps=(timedelta(0),),
    enable_fuzzing=False,
)

#: Words for a rating, as the candidate reads them in a drill's reason.
OUTCOME = {Rating.Again: "missed", Rating.Hard: "partly made", Rating.Good: "made", Rating.Easy: "made well"}


def rating_for(point: KeyPointResult, assessment: Assessment, *, follow_up: bool = False) -> Rating:
    """The FSRS rating of one key point from the assessment of the answer that graded it.

    Main answers (the candidate recalled it unprompted, or not):

    - missed, with no credit to speak of -> ``Again`` (forgotten);
    - missed, with some credit (at least :data:`PARTLY_CREDIT`) -> ``Hard`` (partly recalled);
    - covered -> ``Good``;
    - covered in a strong answer (score >= :data:`STRONG_SCORE`) -> ``Easy``.

    A follow-up names the point it probes, so recalling it then is a hint-assisted recall:
    covered -> ``Hard``, else ``Again``. Any flag that voids the answer (empty, don't know,
    gibberish, off topic) leaves the point uncovered, so it is rated ``Again``.
    """
    if not point.covered:
        return Rating.Hard if (not follow_up and point.credit >= PARTLY_CREDIT) else Rating.Again
    if follow_up:
        return Rating.Hard
    return Rating.Easy if assessment.score >= STRONG_SCORE else Rating.Good


class ReviewEvent(BaseModel):
    """One review of one item: what the review log stores, and all a replay needs."""

    bank: str
    question_id: str
    point: int = Field(ge=0, description="Index of the key point in the question's rubric.")
    rating: int = Field(ge=1, le=4, description="FSRS rating: 1 Again, 2 Hard, 3 Good, 4 Easy.")
    reviewed_at: datetime
    session_id: str
    turn_index: int = Field(ge=0)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.bank, self.question_id, self.point)


class ReviewItem(BaseModel):
    """The schedule of one key point, with what is needed to show it.

    ``card`` is the FSRS card as ``fsrs.Card.to_dict()`` gives it (state, step, stability in
    days, difficulty 1-10, due, last review).
    """

    bank: str
    question_id: str
    point: int = Field(ge=0)
    topic: str
    stage: str
    question: str = Field(description="The main question's text.")
    key_point: str = Field(description="The key point's text.")
    card: dict
    due: datetime
    reviews: int = Field(ge=0, description="Reviews so far.")
    lapses: int = Field(ge=0, description="Reviews rated Again.")
    last_rating: int = Field(ge=1, le=4)
    last_reviewed: datetime

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.bank, self.question_id, self.point)

    def fsrs_card(self) -> Card:
        return Card.from_dict(self.card)

    def retrievability(self, now: datetime) -> float:
        """FSRS's estimate (0-1) that the candidate would recall this point at ``now``."""
        return float(SCHEDULER.get_card_retrievability(self.fsrs_card(), now))

    def overdue(self, now: datetime) -> timedelta:
        """How long past due (negative: not yet due)."""
        return now - self.due


def events_for(turn: Turn) -> list[ReviewEvent]:
    """The reviews a graded turn makes: one per key point it graded (none for practice-only or
    ungraded turns). Raises nothing; a turn without ``answered_at`` uses ``asked_at``."""
    a = turn.assessment
    if a is None or a.kind != "scored":
        return []
    at = turn.answered_at or turn.asked_at
    return [
        ReviewEvent(bank=turn.bank, question_id=turn.question_id, point=k.index,
                    rating=int(rating_for(k, a, follow_up=turn.is_follow_up)), reviewed_at=at,
                    session_id=turn.session_id, turn_index=turn.index)
        for k in a.key_points
    ]


def _card_id(key: tuple[str, str, int]) -> int:
    """A stable card id for an item (fsrs would otherwise take the clock and sleep a millisecond)."""
    import hashlib

    return int.from_bytes(hashlib.sha256(repr(key).encode()).digest()[:6], "big")


def apply(item: ReviewItem | None, event: ReviewEvent, *, topic: str, stage: str, question: str, key_point: str) -> ReviewItem:
    """The item after one more review (a new item when ``item`` is None)."""
    card = item.fsrs_card() if item is not None else Card(card_id=_card_id(event.key), due=event.reviewed_at)
    when = event.reviewed_at if event.reviewed_at.tzinfo else event.reviewed_at.replace(tzinfo=timezone.utc)
    card, _ = SCHEDULER.review_card(card, Rating(event.rating), when)
    return ReviewItem(
        bank=event.bank, question_id=event.question_id, point=event.point,
        topic=topic, stage=stage, question=question, key_point=key_point,
        card=card.to_dict(), due=card.due,
        reviews=(item.reviews if item else 0) + 1,
        lapses=(item.lapses if item else 0) + (event.rating == Rating.Again),
        last_rating=event.rating, last_reviewed=when,
    )


def replay(events: Iterable[ReviewEvent], meta: dict[tuple[str, str, int], ReviewItem]) -> dict[tuple[str, str, int], ReviewItem]:
    """Rebuild every item's schedule from the review log alone (events in the order they
    happened). ``meta`` gives the display fields (topic, stage, texts) per key, e.g. the stored
    items; the schedule itself comes only from the events."""
    items: dict[tuple[str, str, int], ReviewItem] = {}
    for e in sorted(events, key=lambda e: (e.reviewed_at, e.session_id, e.turn_index, e.point)):
        m = meta[e.key]
        items[e.key] = apply(items.get(e.key), e, topic=m.topic, stage=m.stage, question=m.question, key_point=m.key_point)
    return items


def question_due(items: Iterable[ReviewItem]) -> datetime | None:
    """A question's due time: the earliest of its key points' (None without items)."""
    return min((i.due for i in items), default=None)
